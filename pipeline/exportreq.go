package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/atomicfile"
)

// Batch API input file limits.
const (
	BatchMaxRequests = 50000
	BatchMaxBytes    = 200 << 20
)

// ExportOptions bound the Batch API input files ExportRequests writes.
type ExportOptions struct {
	Dir         string // where the files go; created if missing
	Prefix      string // file name prefix; default "requests"
	MaxRequests int    // per file; default BatchMaxRequests
	MaxBytes    int64  // per file; default BatchMaxBytes
	Prices      *budget.Prices
}

// ExportReport says what ExportRequests wrote.
type ExportReport struct {
	Files    []string // in order
	Requests int64
	Failed   []ErrorKind // rows that could not be rendered, with an example each
	Skipped  int64       // rows that could not be rendered
}

// ExportRequests renders a templated job into OpenAI Batch API input files
// ({"custom_id", "method", "url", "body"} a line), split at the Batch
// API's limits and one model per file. Each body is exactly what Run would
// send for the row; custom_id is the row's id (the id column, or "row-N"
// for the 0-based row number), so results map back to rows. Rows that
// cannot be parsed or rendered are not exported and are reported. Each
// file is written beside its target and renamed into place when full.
func ExportRequests(ctx context.Context, job Job, opt ExportOptions) (ExportReport, error) {
	var rep ExportReport
	if opt.Prefix == "" {
		opt.Prefix = "requests"
	}
	if opt.MaxRequests <= 0 {
		opt.MaxRequests = BatchMaxRequests
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = BatchMaxBytes
	}
	if opt.Prices == nil {
		opt.Prices = budget.DefaultPrices()
	}
	if job.Model == "" {
		return rep, configErrorf("no model: give --model")
	}
	in, render, _, err := openRendered(ctx, &job, opt.Prices, false)
	if err != nil {
		return rep, err
	}
	defer in.Close()
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		return rep, fmt.Errorf("export directory: %w", err)
	}
	out := &splitWriter{opt: opt, model: job.Model}
	defer out.abort()
	var kinds kindTally
	for seq := int64(0); job.Limit <= 0 || seq < job.Limit; seq++ {
		rec, err := in.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return rep, err
		}
		p := render.Render(rec, seq)
		if p.Err != nil {
			rep.Skipped++
			kinds.add(p.Err.Kind, p.Err.Msg, p.Pos.String())
			continue
		}
		id := p.ID
		if job.IDColumn == "" {
			id = "row-" + strconv.FormatInt(seq, 10)
		}
		line, err := json.Marshal(struct {
			CustomID string          `json:"custom_id"`
			Method   string          `json:"method"`
			URL      string          `json:"url"`
			Body     json.RawMessage `json:"body"`
		}{id, "POST", "/v1/chat/completions", p.Body})
		if err != nil {
			return rep, err
		}
		if err := out.write(append(line, '\n')); err != nil {
			return rep, err
		}
		rep.Requests++
	}
	if err := out.close(); err != nil {
		return rep, err
	}
	rep.Files, rep.Failed = out.files, kinds.list()
	return rep, nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// splitWriter writes numbered files, starting a new one at the limits.
// Each file is published whole (atomicfile: fsynced, renamed, directory
// fsynced, mode 0644 like every output) when it is full or at the end.
type splitWriter struct {
	opt   ExportOptions
	model string
	files []string

	f     *atomicfile.File
	path  string
	lines int
	bytes int64
}

func (s *splitWriter) write(line []byte) error {
	if s.f != nil && (s.lines >= s.opt.MaxRequests || s.bytes+int64(len(line)) > s.opt.MaxBytes) {
		if err := s.close(); err != nil {
			return err
		}
	}
	if s.f == nil {
		name := fmt.Sprintf("%s-%s-%04d.jsonl", s.opt.Prefix, unsafeName.ReplaceAllString(s.model, "_"), len(s.files)+1)
		s.path = filepath.Join(s.opt.Dir, name)
		f, err := atomicfile.Create(s.path)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		s.f, s.lines, s.bytes = f, 0, 0
	}
	if _, err := s.f.Write(line); err != nil {
		return fmt.Errorf("export %s: %w", s.path, err)
	}
	s.lines++
	s.bytes += int64(len(line))
	return nil
}

// close publishes the current file whole.
func (s *splitWriter) close() error {
	if s.f == nil {
		return nil
	}
	f := s.f
	s.f = nil
	if err := f.Commit(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	s.files = append(s.files, s.path)
	return nil
}

// abort removes an unfinished file after an error.
func (s *splitWriter) abort() {
	if s.f != nil {
		s.f.Abort()
		s.f = nil
	}
}
