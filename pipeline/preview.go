package pipeline

import (
	"context"
	"errors"
	"io"
)

// RowPreview is one input row as Run would send it, or why it would not.
type RowPreview struct {
	Row      int64  // 0-based position in the input
	Position string // file:line
	ID       string // the id column's value ("" without one)
	Model    string
	Prompt   string // the rendered user message
	Tokens   int64  // exact prompt tokens, as billed
	// Problem says why the row would be an error row ("" if it would be
	// sent); Kind is its error_kind.
	Problem, Kind string
	// MissingKept are --keep columns the row lacks: written as null.
	MissingKept []string
}

// Preview renders the first n rows of job (all of them for n < 0) through
// Run's own renderer and reports each, sending nothing. A Batch API input
// is recognised as Run recognises it. Duplicate ids among the previewed
// rows are reported as Run reports them. It returns a *ConfigError for a
// job whose prompt cannot be built, and another error for an unreadable
// input.
func Preview(ctx context.Context, job Job, prices *Prices, n int) ([]RowPreview, error) {
	job.dropKeptID()
	in, render, _, err := openRendered(ctx, &job, prices, true)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	var out []RowPreview
	ids := map[string]string{}
	for seq := int64(0); n < 0 || seq < int64(n); seq++ {
		if job.Limit > 0 && seq >= job.Limit {
			break
		}
		rec, err := in.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return out, err
		}
		p := render.Render(rec, seq)
		if job.IDColumn != "" && p.Key == "id:"+p.ID {
			if first, dup := ids[p.ID]; dup {
				duplicate(&p, first)
			} else {
				ids[p.ID] = p.Pos.String()
			}
		}
		rp := RowPreview{Row: seq, Position: p.Pos.String(), Model: p.Model}
		if job.IDColumn != "" {
			rp.ID = p.ID
		}
		for _, name := range job.Keep {
			if _, ok := rec.Lookup(name); !ok {
				rp.MissingKept = append(rp.MissingKept, name)
			}
		}
		if p.Err != nil {
			rp.Problem, rp.Kind = p.Err.Msg, p.Err.Kind
		} else {
			rp.Prompt = p.Prompt()
			render.Count(&p)
			rp.Tokens = p.Tokens
		}
		out = append(out, rp)
	}
	return out, nil
}
