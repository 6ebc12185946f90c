package batchapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"

	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/readers"
)

// ExportConfig says where Export writes and how it names rows.
type ExportConfig struct {
	Dir    string // created if missing
	Prefix string // file name prefix
	Model  string // in the file names
	Limits Limits
	Limit  int64 // > 0: only the first Limit rows
	// RowIDs names rows "row-N" (the 0-based row number) rather than by
	// their id column.
	RowIDs bool
	// Skip is told of each row that cannot be rendered: it is not
	// exported.
	Skip func(request.Request)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Export renders every record of in into Batch API input files, split at
// the limits, each published whole, and returns their paths and how many
// requests they hold. Each body is exactly what a run would send.
func Export(ctx context.Context, in readers.Reader, render *request.Renderer, c ExportConfig) ([]string, int64, error) {
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return nil, 0, fmt.Errorf("export directory: %w", err)
	}
	model := unsafeName.ReplaceAllString(c.Model, "_")
	out := NewSplitter(c.Dir, func(i int) string { return fmt.Sprintf("%s-%s-%04d.jsonl", c.Prefix, model, i+1) }, c.Limits)
	defer out.Abort()
	var requests int64
	for seq := int64(0); c.Limit <= 0 || seq < c.Limit; seq++ {
		rec, err := in.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, requests, err
		}
		p := render.Render(rec, seq)
		if p.Err != nil {
			c.Skip(p)
			continue
		}
		id := p.ID
		if c.RowIDs {
			id = "row-" + strconv.FormatInt(seq, 10)
		}
		line, err := Line(id, p.Body)
		if err != nil {
			return nil, requests, err
		}
		if err := out.Write(line, p.Tokens); err != nil {
			return nil, requests, err
		}
		requests++
	}
	if err := out.Close(); err != nil {
		return nil, requests, err
	}
	var files []string
	for _, f := range out.Files() {
		files = append(files, f.Path)
	}
	return files, requests, nil
}
