package jobstate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/batchprompt/batchprompt/internal/atomicfile"
	"github.com/batchprompt/batchprompt/readers"
	"github.com/batchprompt/batchprompt/writers"
)

// OutputFormat is the format path is written in: format when given (e.g.
// "openai-batch" from --output-format), else what path's extension says.
// It fails for a format no writer knows or an extension that names none.
func OutputFormat(path, format string) (string, error) {
	if format == "" {
		return writers.FormatFromPath(path)
	}
	if _, err := writers.New(format, io.Discard, writers.Schema{}); err != nil {
		return "", err
	}
	return format, nil
}

// PrepareOutput makes sure path can be published before any request is
// sent: it creates path's folder, removes the temp files an earlier
// process killed while publishing left beside it (see
// atomicfile.CleanStale), refuses a path that is a directory, and creates
// and removes a temp file beside it, as publishing will. It returns the
// stale files it removed. Cost: a directory listing and a file creation.
func PrepareOutput(path string) (removed []string, err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("output %s: %w", path, err)
	}
	// A failure to clean is not fatal: the stale files only waste space.
	removed, _ = atomicfile.CleanStale(path)
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return removed, fmt.Errorf("output %s is a directory: give a file path", path)
	}
	// Named as atomicfile names its temp files, so that a probe left by a
	// kill is cleaned by the next run too.
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return removed, fmt.Errorf("output %s cannot be written: %w", path, err)
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		return removed, fmt.Errorf("output %s: %w", path, err)
	}
	return removed, nil
}

// countRows counts the rows of the output at path, written in format. ok
// is false when there is no such file or it cannot be read as one.
func countRows(ctx context.Context, path, format string) (n int64, ok bool) {
	if _, err := os.Stat(path); err != nil {
		return 0, false
	}
	if format == "openai-batch" {
		format = "jsonl" // one JSON object a line, as JSONL
	}
	r, err := readers.Open(path, readers.Options{Format: format})
	if err != nil {
		return 0, false
	}
	defer r.Close()
	for {
		_, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			return n, true
		}
		if err != nil {
			return n, n > 0
		}
		n++
	}
}

// CheckFormat tells, before anything is written, whether an output at
// path can be written in format (or the format its extension names) with
// schema s: a writer is made and discarded.
func CheckFormat(path, format string, s writers.Schema) error {
	f, err := OutputFormat(path, format)
	if err == nil {
		_, err = writers.New(f, io.Discard, s)
	}
	if err != nil {
		return fmt.Errorf("output %s: %w", path, err)
	}
	return nil
}
