package readers

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"

	"github.com/klauspost/compress/zstd"
)

// ErrCorrupt is the cause (for errors.Is) of every error that comes from
// compressed input that cannot be decompressed: damaged, truncated, or not
// in the format its extension names. Errors reading the file itself (a
// disk error) are not ErrCorrupt.
var ErrCorrupt = errors.New("corrupt compressed data")

// sourceError marks an error that came from below the decompressor (the
// file or pipe), so that everything else the decompressor returns can be
// called corruption.
type sourceError struct{ err error }

func (e *sourceError) Error() string { return e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

// markedReader tags the errors of the reader under a decompressor.
type markedReader struct{ r io.Reader }

func (m markedReader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err != nil && err != io.EOF {
		err = &sourceError{err}
	}
	return n, err
}

// corruptReader sits above a decompressor and words its errors: the
// input's own read errors pass through unchanged, anything else the
// decompressor says (a bad checksum, an invalid code, an early end) is
// ErrCorrupt, naming the compression.
type corruptReader struct {
	r    io.Reader
	kind string // "gzip" or "zstd"
}

func (c corruptReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		err = corruption(c.kind, err)
	}
	return n, err
}

// corruption words a decompressor's error err (see corruptReader).
func corruption(kind string, err error) error {
	if se, ok := errors.AsType[*sourceError](err); ok {
		return se.err
	}
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %s: file ends early (truncated?)", ErrCorrupt, kind)
	case errors.Is(err, gzip.ErrHeader), errors.Is(err, zstd.ErrMagicMismatch):
		return fmt.Errorf("%w: not %s data (%w)", ErrCorrupt, kind, err)
	case strings.HasPrefix(err.Error(), kind+":"): // gzip's own errors say "gzip: "
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrCorrupt, kind, err)
}

// verifyCompressed decompresses the whole of path (a .gz or .zst file) and
// returns the ErrCorrupt error that stops it, nil when the data is intact
// (every byte read and the checksum right) or path is not compressed.
//
// A damaged compressed file often decodes to garbage before the
// decompressor notices, and garbage in a CSV header reads as a header
// problem; this is how such a message is replaced by the true cause. It
// reads the whole file, so it is for error paths only.
func verifyCompressed(path string) error {
	if path == "-" || compression(path) == "" || !isRegularFile(path) {
		return nil // a pipe cannot be read a second time
	}
	src, err := openSource(path, nil, new(atomic.Int64))
	if err != nil {
		if errors.Is(err, ErrCorrupt) {
			return err
		}
		return nil // cannot tell; the caller's own error stands
	}
	defer src.close()
	if _, err := io.Copy(io.Discard, src.r); errors.Is(err, ErrCorrupt) {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// orCorrupt returns the corruption of a compressed file among files that
// explains err (a header problem), or err itself when they are intact.
func orCorrupt(err error, files ...string) error {
	if errors.Is(err, ErrCorrupt) {
		return err // already the true cause
	}
	for _, f := range files {
		if cerr := verifyCompressed(f); cerr != nil {
			return cerr
		}
	}
	return err
}

// isRegularFile reports whether path names a regular file.
func isRegularFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}
