package main

import (
	"errors"

	"github.com/batchprompt/batchprompt/pipeline"
)

// Exit codes. When several apply, the most urgent wins:
// 2 > 1 > 5 > 3 > 6 > 4 > 0.
const (
	exitOK          = 0 // every row OK
	exitFatal       = 1 // needs a fix: bad key, unreadable input, --strict
	exitUsage       = 2 // usage or configuration error
	exitBudget      = 3 // stopped by the budget cap (resumable)
	exitRowsFailed  = 4 // finished, but some rows failed
	exitInterrupted = 5 // interrupted or stalled (resumable as is)
	exitSubmitted   = 6 // Batch API: submitted, results pending (run again to collect)
)

// result is what a command leaves for exitCode besides its error.
type result struct {
	summary    *pipeline.Summary // a run that started (run, estimate --sample)
	rowsFailed bool              // rows that could not be handled (export-requests)
}

// exitCode is the one place that maps an outcome to the process's exit
// code. A usage or configuration error (*usageError, *pipeline.ConfigError)
// exits 2; any other error, classified or not, exits 1, never 2.
func exitCode(res result, err error) int {
	var ce *pipeline.ConfigError
	var ue *usageError
	switch {
	case errors.As(err, &ce), errors.As(err, &ue):
		return exitUsage
	case err != nil:
		return exitFatal
	case res.summary != nil:
		return summaryCode(*res.summary)
	case res.rowsFailed:
		return exitRowsFailed
	}
	return exitOK
}

// summaryCode is the exit code of a run that started.
func summaryCode(s pipeline.Summary) int {
	switch s.Stop {
	case pipeline.Failed:
		return exitFatal
	case pipeline.Interrupted, pipeline.Stalled:
		return exitInterrupted
	case pipeline.BudgetReached:
		return exitBudget
	case pipeline.Submitted:
		return exitSubmitted
	}
	if s.Failed > 0 {
		return exitRowsFailed
	}
	return exitOK
}

// usageError is a mistake on the command line or in the job file.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }
