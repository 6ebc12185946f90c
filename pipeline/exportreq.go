package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/batchapi"
	"github.com/batchprompt/batchprompt/internal/runstats"
)

// Batch API input file limits.
const (
	BatchMaxRequests = batchapi.MaxRequests
	BatchMaxBytes    = batchapi.MaxBytes
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
	model := unsafeName.ReplaceAllString(job.Model, "_")
	out := batchapi.NewSplitter(opt.Dir, func(i int) string { return fmt.Sprintf("%s-%s-%04d.jsonl", opt.Prefix, model, i+1) },
		batchapi.Limits{MaxRequests: opt.MaxRequests, MaxBytes: opt.MaxBytes})
	defer out.Abort()
	var kinds runstats.Tally
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
			kinds.Add(p.Err.Kind, p.Err.Msg, p.Pos.String())
			continue
		}
		id := p.ID
		if job.IDColumn == "" {
			id = "row-" + strconv.FormatInt(seq, 10)
		}
		line, err := batchapi.Line(id, p.Body)
		if err != nil {
			return rep, err
		}
		if err := out.Write(line, p.Tokens); err != nil {
			return rep, err
		}
		rep.Requests++
	}
	if err := out.Close(); err != nil {
		return rep, err
	}
	for _, f := range out.Files() {
		rep.Files = append(rep.Files, f.Path)
	}
	rep.Failed = kinds.List()
	return rep, nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)
