package pipeline

import (
	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/internal/rows"
)

// errorRow is the state-database row of a request that cannot be sent.
func errorRow(p request.Request) checkpoint.Row { return rows.Unsendable(p) }
