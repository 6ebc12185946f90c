package pipeline

import (
	"context"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/jobstate"
	"github.com/batchprompt/batchprompt/writers"
)

// The job-state queries live in pipeline/state, which imports this
// package; the tests here reach the same functions of internal/jobstate.

type ExportSpec = jobstate.ExportSpec

func ReadStatus(ctx context.Context, path string) (jobstate.Status, error) {
	db, err := jobstate.OpenExisting(ctx, path)
	if err != nil {
		return jobstate.Status{}, err
	}
	defer db.Close()
	return jobstate.ReadStatus(ctx, db)
}

func Export(ctx context.Context, spec ExportSpec) (jobstate.ExportResult, error) {
	res, err := jobstate.Export(ctx, spec)
	return res, stateError(err)
}

func StoredLimitsAt(ctx context.Context, path, model string) (Limits, bool) {
	l, ok := jobstate.LimitsAt(ctx, path, model)
	return Limits(l), ok
}

func WriteOutputs(ctx context.Context, db *checkpoint.DB, paths []string, s writers.Schema) error {
	return jobstate.WriteOutputs(ctx, db, paths, s)
}
