package request

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/batchprompt/batchprompt/readers"
)

// Duplicate turns p into a row that cannot be sent: its id was seen first
// at first. The row takes a key of its own (file and row) so it can never
// replace the first row's result, whatever else is wrong with it.
func (p *Request) Duplicate(first string) {
	p.Key = PositionKey(p.Pos)
	p.Err = &RowError{Kind: "id", Msg: fmt.Sprintf("%s: duplicate id %q (first at %s)", p.Pos, p.ID, first)}
}

// Preview is one input row as a run would send it, or why it would not.
type Preview struct {
	Row      int64  // 0-based position in the input
	Position string // file:line
	ID       string // the id column's value ("" without one)
	Model    string
	Prompt   string // the rendered user message
	Tokens   int64  // exact prompt tokens, as billed
	// Problem says why the row would be an error row ("" if it would be
	// sent); Kind is its error_kind.
	Problem, Kind string
	// MissingKept are kept columns the row lacks: written as null.
	MissingKept []string
}

// PreviewRows renders records of in until n rows (all for n < 0) or limit
// (> 0) and reports each, sending nothing; duplicate ids among them are
// reported as a run reports them.
func (r *Renderer) PreviewRows(ctx context.Context, in readers.Reader, n int, limit int64) ([]Preview, error) {
	var out []Preview
	ids := map[string]string{}
	for seq := int64(0); n < 0 || seq < int64(n); seq++ {
		if limit > 0 && seq >= limit {
			break
		}
		rec, err := in.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return out, err
		}
		p := r.Render(rec, seq)
		if r.cfg.IDColumn != "" && p.Key == "id:"+p.ID {
			if first, dup := ids[p.ID]; dup {
				p.Duplicate(first)
			} else {
				ids[p.ID] = p.Pos.String()
			}
		}
		rp := Preview{Row: seq, Position: p.Pos.String(), Model: p.Model}
		if r.cfg.IDColumn != "" {
			rp.ID = p.ID
		}
		for _, name := range r.cfg.Keep {
			if _, ok := rec.Lookup(name); !ok {
				rp.MissingKept = append(rp.MissingKept, name)
			}
		}
		if p.Err != nil {
			rp.Problem, rp.Kind = p.Err.Msg, p.Err.Kind
		} else {
			rp.Prompt = p.Prompt()
			r.Count(&p)
			rp.Tokens = p.Tokens
		}
		out = append(out, rp)
	}
	return out, nil
}
