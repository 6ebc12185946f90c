package jobstate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/atomicfile"
	"github.com/batchprompt/batchprompt/internal/coltype"
	"github.com/batchprompt/batchprompt/writers"
)

// Publication says which outputs to write from a state database and how.
type Publication struct {
	Paths  []string
	Format string // "" = each path's extension says (see OutputFormat)
	Schema writers.Schema
	// Trial, when > 0, is the row count of a --limit trial: only rows
	// placed before it are written, and an existing output that holds
	// more rows than that is kept as it is, never replaced by the trial's.
	Trial int64
}

// KeptOutput is an output a trial left alone because it held more rows
// than the trial produced.
type KeptOutput struct {
	Path string
	Rows int64 // the rows it holds
}

// Published is what Publish did: Written holds the outputs replaced with
// the current rows, Kept those a trial left alone.
type Published struct {
	Written []string
	Kept    []KeptOutput
}

// Publish writes each output of p from db's current run, in input order,
// each written beside its target and renamed into place so that a file at
// its path is always whole. One output that cannot be written does not stop
// the others: the error joins one error per failed output, each naming it.
// Cost: one scan of the rows per output written, plus, for a trial, one
// read of each existing output to count its rows.
func Publish(ctx context.Context, db *checkpoint.DB, p Publication) (Published, error) {
	var out Published
	var keep func(checkpoint.Row) bool
	if p.Trial > 0 {
		keep = func(row checkpoint.Row) bool { return row.Seq < p.Trial }
	}
	var errs []error
	for _, path := range p.Paths {
		format, err := OutputFormat(path, p.Format)
		if err != nil {
			errs = append(errs, fmt.Errorf("output %s: %w", path, err))
			continue
		}
		if p.Trial > 0 {
			if n, ok := countRows(ctx, path, format); ok && n > p.Trial {
				out.Kept = append(out.Kept, KeptOutput{Path: path, Rows: n})
				continue
			}
		}
		if _, err := writeOne(ctx, db, path, format, p.Schema, keep); err != nil {
			errs = append(errs, err)
			continue
		}
		out.Written = append(out.Written, path)
	}
	return out, errors.Join(errs...)
}

// WriteOutputs writes the current run's rows of db to each path, in input
// order, in the format its extension names. See Publish.
func WriteOutputs(ctx context.Context, db *checkpoint.DB, paths []string, s writers.Schema) error {
	_, err := Publish(ctx, db, Publication{Paths: paths, Schema: s})
	return err
}

// WriteResults is WriteOutputs for only the rows that have a result (ok or
// failed), for a partial export: a pending row written there would read
// as an empty answer. It returns how many rows each file holds.
func WriteResults(ctx context.Context, db *checkpoint.DB, paths []string, s writers.Schema) (int64, error) {
	var n int64
	var errs []error
	for _, path := range paths {
		format, err := OutputFormat(path, "")
		if err != nil {
			errs = append(errs, fmt.Errorf("output %s: %w", path, err))
			continue
		}
		m, err := writeOne(ctx, db, path, format, s, func(row checkpoint.Row) bool {
			return StateOf(row.Status, row.ErrorKind) != RowPending
		})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n = m
	}
	return n, errors.Join(errs...)
}

// writeOne writes the rows keep accepts (all when keep is nil) to path and
// returns how many it wrote.
func writeOne(ctx context.Context, db *checkpoint.DB, path, format string, s writers.Schema, keep func(checkpoint.Row) bool) (int64, error) {
	var n int64
	s, err := withKeptTypes(ctx, db, s, format == "parquet")
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
			return wr.Write(toOutputRow(row, s.KeptTypes))
		})
		if err != nil {
			return err
		}
		return wr.Close()
	})
	if err != nil {
		return n, fmt.Errorf("output %s: %w", path, err)
	}
	return n, nil
}

func toOutputRow(row checkpoint.Row, types []coltype.Type) writers.Row {
	out := writers.Row{
		ID: row.ID, Output: row.Output, FinishReason: row.FinishReason, Model: row.Model,
		PromptTokens: row.PromptTokens, CompletionTokens: row.CompletionTokens,
		CachedTokens: row.CachedTokens, ReasoningTokens: row.ReasoningTokens,
		CostUSD: row.CostUSD, LatencyMS: row.LatencyMS, Attempts: row.Attempts, Error: row.Error,
		ErrorKind: row.ErrorKind, HTTPStatus: row.HTTPStatus, RequestID: row.RequestID, ResponseBody: row.ResponseBody,
		ServedFrom: row.ServedFrom.String(),
	}
	out.Kept = make([]writers.Value, len(row.Kept))
	for i, v := range row.Kept {
		out.Kept[i] = keptValue(v)
		if i < len(types) {
			asDeclared(&out.Kept[i], types[i])
		}
	}
	return out
}

// keptValue turns a kept value as the state database holds it (one JSON
// value) into an output value: a string becomes its text; a number,
// boolean, array or object keeps its JSON text and is marked JSON so
// outputs write it back typed. A value that does not decode (a damaged
// database) is written as its stored text rather than lost.
func keptValue(v json.RawMessage) writers.Value {
	switch {
	case len(v) == 0 || string(v) == "null":
		return writers.Value{Null: true}
	case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' && !bytes.ContainsAny(v[1:len(v)-1], `\"`):
		// Most text needs no unescaping: its JSON is its bytes in quotes
		// (the state database holds only what json.Marshal wrote).
		return writers.Value{Text: string(v[1 : len(v)-1])}
	case v[0] == '"':
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			return writers.Value{Text: s}
		}
		return writers.Value{Text: string(v)}
	}
	return writers.Value{Text: string(v), JSON: true}
}
