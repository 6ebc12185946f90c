package jobstate

import (
	"context"
	"fmt"
	"io"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/atomicfile"
	"github.com/batchprompt/batchprompt/writers"
)

// WriteOutputs writes the current run's rows of db to each path, in input
// order, in the format its extension names. Each file is written beside
// its target and renamed into place, so a file at path is always whole.
// Cost: one scan of the rows per path.
func WriteOutputs(ctx context.Context, db *checkpoint.DB, paths []string, s writers.Schema) error {
	_, err := write(ctx, db, paths, s, nil)
	return err
}

// WriteResults is WriteOutputs for only the rows that have a result (ok or
// failed), for a partial export: a pending row written there would read
// as an empty answer. It returns how many rows each file holds.
func WriteResults(ctx context.Context, db *checkpoint.DB, paths []string, s writers.Schema) (int64, error) {
	return write(ctx, db, paths, s, func(row checkpoint.Row) bool {
		return row.Status != checkpoint.StatusPending
	})
}

// write writes the rows keep accepts (all when keep is nil) to each path
// and returns how many rows each file holds.
func write(ctx context.Context, db *checkpoint.DB, paths []string, s writers.Schema, keep func(checkpoint.Row) bool) (int64, error) {
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
