package pipeline

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/atomicfile"
	"github.com/batchprompt/batchprompt/writers"
)

// Schema is the output schema of a job.
func (j *Job) Schema() writers.Schema {
	s := writers.Schema{IDColumn: j.IDColumn, Keep: j.Keep}
	if s.IDColumn == "" {
		s.IDColumn, s.RowNumberID = "row", true
	}
	return s
}

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
	return WriteOutputs(ctx, r.db, r.job.Outputs, r.job.Schema())
}

// WriteOutputs writes the current run's rows of db to each path, in input
// order. Each file is written beside its target and renamed into place, so
// a file at path is always whole.
func WriteOutputs(ctx context.Context, db *checkpoint.DB, paths []string, s writers.Schema) error {
	_, err := WriteOutputsWhere(ctx, db, paths, s, nil)
	return err
}

// WriteOutputsWhere is WriteOutputs for only the rows keep accepts (all
// when keep is nil). It returns how many rows each file holds.
func WriteOutputsWhere(ctx context.Context, db *checkpoint.DB, paths []string, s writers.Schema, keep func(checkpoint.Row) bool) (int64, error) {
	var n int64
	for _, path := range paths {
		n = 0
		format, err := writers.FormatFromPath(path)
		if err != nil {
			return 0, fmt.Errorf("output %s: %w", path, err)
		}
		err = atomicfile.Write(path, func(w io.Writer) error {
			wr, err := writers.New(format, w, s)
			if err != nil {
				return err
			}
			err = db.Rows(ctx, func(row checkpoint.Row) error {
				if keep != nil && !keep(row) {
					return nil
				}
				n++
				return wr.Write(toOutputRow(row))
			})
			if err != nil {
				return err
			}
			return wr.Close()
		})
		if err != nil {
			return n, fmt.Errorf("output %s: %w", path, err)
		}
	}
	return n, nil
}

func toOutputRow(row checkpoint.Row) writers.Row {
	out := writers.Row{
		ID: row.ID, Output: row.Output, FinishReason: row.FinishReason, Model: row.Model,
		PromptTokens: row.PromptTokens, CompletionTokens: row.CompletionTokens,
		CachedTokens: row.CachedTokens, ReasoningTokens: row.ReasoningTokens,
		CostUSD: row.CostUSD, LatencyMS: row.LatencyMS, Attempts: row.Attempts, Error: row.Error,
		ErrorKind: row.ErrorKind, HTTPStatus: row.HTTPStatus, RequestID: row.RequestID, ResponseBody: row.ResponseBody,
	}
	out.Kept = make([]writers.Value, len(row.Kept))
	for i, v := range row.Kept {
		if v == nil {
			out.Kept[i] = writers.Value{Null: true}
		} else {
			out.Kept[i] = writers.Value{Text: *v}
		}
	}
	return out
}

// summary gathers the run's outcome.
func (r *runner) summary(rows int64) Summary {
	r.mu.Lock()
	stop, err := r.stop, r.stopErr
	r.mu.Unlock()
	spent, _ := r.db.Spent(context.Background())
	return Summary{SpentUSD: spent,
		Stop: stop, Err: err, Rows: rows, Progress: r.snapshot(), Started: r.started,
		ErrorKinds: r.kinds.list(), Limits: r.main.limiter.Limits(), Requests: r.requests.Load(),
		State: r.job.State,
	}
}
