package batchapi

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/batchprompt/batchprompt/internal/atomicfile"
)

// Batch API input file limits.
const (
	MaxRequests = 50000
	MaxBytes    = 200 << 20
)

// ChatURL is the endpoint every request line of a chat job names.
const ChatURL = "/v1/chat/completions"

// Line encodes one Batch API input line, newline included:
// {"custom_id", "method": "POST", "url", "body"}. body must be JSON.
func Line(customID string, body []byte) ([]byte, error) {
	b, err := json.Marshal(struct {
		CustomID string          `json:"custom_id"`
		Method   string          `json:"method"`
		URL      string          `json:"url"`
		Body     json.RawMessage `json:"body"`
	}{customID, "POST", ChatURL, body})
	if err != nil {
		return nil, fmt.Errorf("batch line %s: %w", customID, err)
	}
	return append(b, '\n'), nil
}

// Limits bound one input file. Zero fields take the Batch API's limits;
// MaxTokens zero means no bound on prompt tokens.
type Limits struct {
	MaxRequests int
	MaxBytes    int64
	MaxTokens   int64 // prompt tokens: the enqueued-token limit a file must fit
}

func (l Limits) withDefaults() Limits {
	if l.MaxRequests <= 0 {
		l.MaxRequests = MaxRequests
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = MaxBytes
	}
	return l
}

// SplitFile is one file a Splitter wrote.
type SplitFile struct {
	Path   string
	Lines  int
	Bytes  int64
	Tokens int64
}

// Splitter writes lines into numbered files, starting a new file before a
// line that would cross any limit (a single line over the limits gets a
// file of its own). Each file is published whole through atomicfile
// (fsynced, renamed, its directory fsynced, mode 0644) once full, so a
// reader never sees half a file. It holds one write buffer; the files'
// contents never sit in memory.
type Splitter struct {
	dir   string
	name  func(i int) string
	lim   Limits
	files []SplitFile

	f   *atomicfile.File
	cur SplitFile
}

// NewSplitter returns a Splitter writing into dir, naming the i-th file
// (from 0) name(i).
func NewSplitter(dir string, name func(i int) string, lim Limits) *Splitter {
	return &Splitter{dir: dir, name: name, lim: lim.withDefaults()}
}

// Write appends line (newline included) with its prompt tokens.
func (s *Splitter) Write(line []byte, tokens int64) error {
	c := &s.cur
	if s.f != nil && (c.Lines >= s.lim.MaxRequests || c.Bytes+int64(len(line)) > s.lim.MaxBytes ||
		(s.lim.MaxTokens > 0 && c.Tokens+tokens > s.lim.MaxTokens)) {
		if err := s.Close(); err != nil {
			return err
		}
	}
	if s.f == nil {
		path := filepath.Join(s.dir, s.name(len(s.files)))
		f, err := atomicfile.Create(path)
		if err != nil {
			return fmt.Errorf("split: %w", err)
		}
		s.f, s.cur = f, SplitFile{Path: path}
	}
	if _, err := s.f.Write(line); err != nil {
		return fmt.Errorf("split %s: %w", c.Path, err)
	}
	c.Lines++
	c.Bytes += int64(len(line))
	c.Tokens += tokens
	return nil
}

// Close publishes the current file whole. Writing after Close starts the
// next file.
func (s *Splitter) Close() error {
	if s.f == nil {
		return nil
	}
	f := s.f
	s.f = nil
	if err := f.Commit(); err != nil {
		return fmt.Errorf("split %s: %w", s.cur.Path, err)
	}
	s.files = append(s.files, s.cur)
	return nil
}

// Abort removes an unfinished file after an error.
func (s *Splitter) Abort() {
	if s.f != nil {
		s.f.Abort()
		s.f = nil
	}
}

// Files lists the files published so far, in order.
func (s *Splitter) Files() []SplitFile { return s.files }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

type jsonRaw = json.RawMessage
