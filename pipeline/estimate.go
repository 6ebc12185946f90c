package pipeline

import (
	"context"
	"errors"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/estimate"
	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/readers"
)

// EstimateOptions tune [Estimate]. The zero value uses the embedded price
// table, no rate limits, the default answer length and one worker per CPU.
type EstimateOptions = estimate.Options

// EstimateReport is the dry run of a job: what it would send, cost and
// take, computed from the input alone. Its JSON form (snake_case keys,
// durations in seconds) is what `batchprompt estimate --json` prints.
type EstimateReport = estimate.Report

// The parts of an [EstimateReport].
type (
	TokenSummary     = estimate.TokenSummary
	RowProblem       = estimate.RowProblem
	OutputRange      = estimate.OutputRange
	CostRange        = estimate.CostRange
	DurationEstimate = estimate.DurationEstimate
)

// Which limit sets a job's duration; see [DurationEstimate].
const (
	BindsRPM = estimate.BindsRPM
	BindsTPM = estimate.BindsTPM
)

// Defaults of [EstimateOptions].
const (
	DefaultExpectOutputTokens = estimate.DefaultExpectOutputTokens
	DefaultMaxExamples        = estimate.DefaultMaxExamples
)

// ErrUnpriced is wrapped by the error an estimate returns for a model the
// price table does not list.
var ErrUnpriced = estimate.ErrUnpriced

// Estimate reads the whole input of a templated job and reports, without a
// key or any network, what Run would send: the rows, those that cannot be
// sent and why, exact prompt tokens, the output, cost and duration ranges.
// Each row is rendered by Run's own renderer. It honours Job.Limit and
// streams in constant memory (about 35 MB of heap at most, for 1,000,000
// rows as for 100).
//
// A model the price table lacks is estimated all the same: the report's
// Priced is false and its Cost nil. It returns a *ConfigError for a job
// that cannot be estimated as configured, and another error for an
// unreadable input.
func Estimate(ctx context.Context, job Job, opt EstimateOptions) (EstimateReport, error) {
	reps, err := estimateJob(ctx, job, opt, false)
	if err != nil {
		return EstimateReport{}, err
	}
	return reps[0], nil
}

// EstimateAll estimates a job of either kind: a templated job gives one
// report; a Batch-API-format input (named by --input-format or detected as
// Run detects it) gives one report per model named in its bodies, since
// prices and rate limits are per model.
func EstimateAll(ctx context.Context, job Job, opt EstimateOptions) ([]EstimateReport, error) {
	return estimateJob(ctx, job, opt, true)
}

func estimateJob(ctx context.Context, job Job, opt EstimateOptions, detect bool) ([]EstimateReport, error) {
	if job.Input == "" {
		return nil, configErrorf("no input: give -i/--input")
	}
	in, render, batch, err := openRendered(ctx, &job, opt.Prices, detect)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	if !batch && job.Model == "" {
		return nil, configErrorf("no model: give --model")
	}
	reps, err := estimate.Scan(ctx, in, render, estimate.Spec{Model: job.Model, MaxTokens: job.Params.MaxTokens, Limit: job.Limit, Batch: batch,
		Embeddings: job.embeddings(), EmbedBatch: job.EmbedBatch}, opt)
	if errors.Is(err, ErrUnpriced) {
		return nil, &ConfigError{Err: err}
	}
	return reps, err
}

// openRendered opens the job's input and its renderer: the one way every
// command turns the input into requests. With detect, a Batch API input is
// recognised as Run recognises it, and job is settled as such.
func openRendered(ctx context.Context, job *Job, prices *budget.Prices, detect bool) (readers.Reader, *request.Renderer, bool, error) {
	in, err := readers.Open(job.Input, readers.Options{Format: job.InputFormat, CSVDelimiter: job.CSVDelimiter, Stdin: job.Stdin})
	if err != nil {
		return nil, nil, false, err
	}
	batch := false
	if detect {
		if in, batch, err = request.DetectBatch(ctx, in, job.Input, job.InputFormat, job.templated()); err != nil {
			in.Close()
			return nil, nil, false, err
		}
	}
	if batch {
		job.asBatch()
	} else if in, job.Keep, err = request.ExpandKeep(ctx, in, job.Keep, job.IDColumn); err != nil {
		in.Close()
		return nil, nil, false, err
	}
	render, err := request.New(job.requestConfig(batch, prices))
	if err != nil {
		err = &ConfigError{Err: err}
	}
	if err == nil {
		in, err = checkColumns(ctx, in, render)
	}
	if err != nil {
		in.Close()
		return nil, nil, false, err
	}
	return in, render, batch, nil
}

// checkColumns learns the input's columns ahead of the first row (the
// records it reads to learn them are replayed) and refuses, as a
// configuration error, a job that names a column the input does not have:
// a typo must cost nothing, not a run of error rows.
func checkColumns(ctx context.Context, in readers.Reader, render *request.Renderer) (readers.Reader, error) {
	cols, exhaustive, replay, err := readers.PeekColumns(ctx, in)
	if replay != nil {
		in = replay
	}
	if err != nil || len(cols) == 0 {
		return in, err // an empty input has no columns to check
	}
	if err := render.CheckColumns(cols, exhaustive, readers.ColumnSample); err != nil {
		return in, &ConfigError{Err: err}
	}
	return in, nil
}
