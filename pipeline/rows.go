package pipeline

import (
	"fmt"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/internal/rows"
)

// errorRow is the state-database row of a request that cannot be sent.
func errorRow(p request.Request) checkpoint.Row { return rows.Unsendable(p) }

// duplicate turns p into an error row: its id was seen first at first.
// The row keeps a key of its own (file and row) so it can never replace
// the first row's result, whatever else is wrong with it.
func duplicate(p *request.Request, first string) {
	p.Key = request.PositionKey(p.Pos)
	p.Err = &request.RowError{Kind: "id", Msg: fmt.Sprintf("%s: duplicate id %q (first at %s)", p.Pos, p.ID, first)}
}
