package readers

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"

	"github.com/klauspost/compress/zstd"
)

// stdinName is Position.File for records read from standard input.
const stdinName = "<stdin>"

// bufSize is the bufio buffer size; lines longer than this still work
// (lineReader joins the pieces), they just cost a copy.
const bufSize = 64 << 10

// maxKeep is the largest scratch buffer kept between records; a bigger one
// (left by an unusually large record) is dropped so memory returns to its
// steady level.
const maxKeep = 4 << 20

// source is one opened input file: the OS file (if any), the optional
// decompressor, and a byte counter placed below the decompressor so that
// progress compares compressed bytes with the compressed file size.
type source struct {
	name   string
	file   *os.File // nil for stdin
	closer func()   // releases the decompressor; nil when none
	r      io.Reader
	size   int64 // -1 when unknown
}

// countingReader adds every byte read to a shared counter, which other
// goroutines may read at any time (progress display).
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// compression returns "gz", "zst" or "" from the path's extension.
func compression(path string) string {
	lower := strings.ToLower(path)
	switch {
	case strings.HasSuffix(lower, ".gz"):
		return "gz"
	case strings.HasSuffix(lower, ".zst"):
		return "zst"
	}
	return ""
}

// openSource opens path ("-" for stdin) and wraps it for decompression.
// Compression comes from the extension; stdin is sniffed for the gzip and
// zstd magic numbers instead, as it has no name. Bytes read are added to
// counter.
func openSource(path string, stdin io.Reader, counter *atomic.Int64) (*source, error) {
	if path == "-" {
		if stdin == nil {
			return nil, fmt.Errorf("read %s: Options.Stdin is nil", stdinName)
		}
		br := bufio.NewReaderSize(countingReader{stdin, counter}, bufSize)
		magic, err := br.Peek(4)
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("read %s: %w", stdinName, err)
		}
		kind := ""
		switch {
		case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
			kind = "gz"
		case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
			kind = "zst"
		}
		s := &source{name: stdinName, r: br, size: -1}
		if err := s.decompress(kind); err != nil {
			return nil, err
		}
		return s, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open input: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open input: %w", err)
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("open input %s: is a directory", path)
	}
	s := &source{name: path, file: f, r: countingReader{f, counter}, size: st.Size()}
	if !st.Mode().IsRegular() {
		s.size = -1 // a pipe or device: its size says nothing
	}
	if err := s.decompress(compression(path)); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// decompress wraps s.r in a decompressor for kind ("gz", "zst" or "").
func (s *source) decompress(kind string) error {
	// The decompressor reads through markedReader and is read through
	// corruptReader, so that its errors say "corrupt" and the file's own
	// read errors do not.
	switch kind {
	case "gz":
		zr, err := gzip.NewReader(markedReader{s.r})
		if err != nil {
			return fmt.Errorf("read %s: %w", s.name, corruption("gzip", err))
		}
		s.r, s.closer = corruptReader{zr, "gzip"}, func() { zr.Close() }
	case "zst":
		// One decoder goroutine: reading is not the bottleneck, and more
		// would multiply the window memory per open file.
		zr, err := zstd.NewReader(markedReader{s.r}, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return fmt.Errorf("read %s: %w", s.name, corruption("zstd", err))
		}
		s.r, s.closer = corruptReader{zr, "zstd"}, zr.Close
	}
	return nil
}

// close releases the decompressor and the file. Stdin is left open: it is
// the caller's.
func (s *source) close() error {
	if s.closer != nil {
		s.closer()
		s.closer = nil
	}
	if s.file != nil {
		err := s.file.Close()
		s.file = nil
		return err
	}
	return nil
}

// lineReader yields lines of any length, each with its terminator, and
// counts them. A UTF-8 byte order mark at the start is dropped, as is a
// lone '\r' at the very end of the input (an editor's stray CR).
type lineReader struct {
	br      *bufio.Reader
	long    []byte // joins lines longer than br's buffer
	line    int    // lines returned so far = 1-based number of the last one
	started bool
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, bufSize)}
}

// peek surfaces a read error (corrupt compression, a directory) before
// any line is consumed, so Open can fail early.
func (l *lineReader) peek() error {
	_, err := l.br.Peek(1)
	if err == io.EOF {
		return nil
	}
	return err
}

// next returns the next line including its "\n" (absent on the last line
// when the input does not end with one), or io.EOF. The slice is only
// valid until the next call.
func (l *lineReader) next() ([]byte, error) {
	if cap(l.long) > maxKeep {
		l.long = nil // do not keep one huge line's buffer for the whole stream
	}
	line, err := l.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		l.long = append(l.long[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = l.br.ReadSlice('\n')
			l.long = append(l.long, line...)
		}
		line = l.long
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	if !l.started {
		l.started = true
		line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
	}
	if err == io.EOF {
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if len(line) == 0 {
			return nil, io.EOF
		}
	}
	l.line++
	return line, nil
}

// contentEnd returns the length of line without its "\n" or "\r\n".
func contentEnd(line []byte) int {
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		n--
		if n > 0 && line[n-1] == '\r' {
			n--
		}
	}
	return n
}
