package pipeline

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/batchprompt/batchprompt/internal/jobstate"
	"github.com/batchprompt/batchprompt/writers"
)

// Schema is the output schema of a job.
func (j *Job) Schema() writers.Schema { return jobstate.Schema(j.IDColumn, j.Keep) }

// checkOutputs fails early for an output path whose format we cannot write.
func (j *Job) checkOutputs() error {
	for _, o := range j.Outputs {
		f, err := writers.FormatFromPath(o)
		if err != nil {
			return &ConfigError{Err: fmt.Errorf("output %s: %w", o, err)}
		}
		if _, err := writers.New(f, io.Discard, j.Schema()); err != nil {
			return &ConfigError{Err: fmt.Errorf("output %s: %w", o, err)}
		}
		// Create the folder now: finding it missing after the last
		// request would waste the whole run's wait.
		if err := os.MkdirAll(filepath.Dir(o), 0o755); err != nil {
			return fmt.Errorf("output %s: %w", o, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(j.State), 0o755); err != nil {
		return fmt.Errorf("state database %s: %w", j.State, err)
	}
	return nil
}

// writeOutputs writes every output from the state database, in input
// order, each published atomically.
func (r *runner) writeOutputs(ctx context.Context) error {
	return jobstate.WriteOutputs(ctx, r.db, r.job.Outputs, r.job.Schema())
}
