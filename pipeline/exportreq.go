package pipeline

import (
	"context"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/batchapi"
	"github.com/batchprompt/batchprompt/internal/request"
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
	var kinds runstats.Tally
	files, n, err := batchapi.Export(ctx, in, render, batchapi.ExportConfig{
		Dir: opt.Dir, Prefix: opt.Prefix, Model: job.Model, Limit: job.Limit, RowIDs: job.IDColumn == "",
		Limits: batchapi.Limits{MaxRequests: opt.MaxRequests, MaxBytes: opt.MaxBytes},
		Skip: func(p request.Request) {
			rep.Skipped++
			kinds.Add(p.Err.Kind, p.Err.Msg, p.Pos.String())
		},
	})
	if err != nil {
		return rep, err
	}
	rep.Files, rep.Requests, rep.Failed = files, n, kinds.List()
	return rep, nil
}
