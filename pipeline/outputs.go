package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/batchprompt/batchprompt/internal/jobstate"
	"github.com/batchprompt/batchprompt/writers"
)

// Schema is the output schema of a job.
func (j *Job) Schema() writers.Schema {
	s := jobstate.Schema(j.IDColumn, j.Keep)
	s.Embedding = j.embeddings()
	s = j.withStructured(s)
	return s
}

// KeptOutput is an output a --limit trial left alone because it held more
// rows than the trial produced (see Summary.Kept).
type KeptOutput = jobstate.KeptOutput

// checkOutputs fails, before any request is sent, for an output whose
// format we cannot write or whose path cannot be written (a read-only
// folder, a directory): finding out after the last request would waste
// the whole run's spend. It also removes the temp files a process killed
// while publishing left beside each output.
func (j *Job) checkOutputs(log *slog.Logger) error {
	for _, o := range j.Outputs {
		if err := jobstate.CheckFormat(o, j.OutputFormat, j.Schema()); err != nil {
			return &ConfigError{Err: err}
		}
		removed, err := jobstate.PrepareOutput(o)
		for _, tmp := range removed {
			log.Info("removed a temp file left by an interrupted run", "path", tmp)
		}
		if err != nil {
			return &ConfigError{Err: err}
		}
	}
	if err := os.MkdirAll(filepath.Dir(j.State), 0o755); err != nil {
		return fmt.Errorf("state database %s: %w", j.State, err)
	}
	return nil
}

// publish writes every output from the state database, in input order,
// each published atomically; an output that fails does not keep the others
// from being written. A --limit trial (trial > 0 rows) writes only its rows
// and never replaces an output holding more: it keeps it and says so.
func (r *runner) publish(ctx context.Context, trial int64) (jobstate.Published, error) {
	p, err := jobstate.Publish(ctx, r.db, jobstate.Publication{
		Paths: r.job.Outputs, Format: r.job.OutputFormat, Schema: r.job.Schema(), Trial: trial,
	})
	for _, k := range p.Kept {
		r.opt.Logger.Warn("kept an output with more rows than this --limit trial: `batchprompt export` writes the job's rows from its state database",
			"path", k.Path, "rows", k.Rows, "trial_rows", trial)
	}
	return p, err
}
