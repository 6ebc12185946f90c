package answercheck

import (
	"fmt"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/rows"
)

// Tries sums what a row's answered tries cost, so that the row finally
// committed carries every paid try: an answer retried because it was
// broken was billed all the same. The zero value is ready to use.
type Tries struct {
	N                                     int // answered tries so far
	prompt, completion, cached, reasoning int64
	cost                                  float64
	costUnknown                           bool
}

// Add counts one answered try's row.
func (t *Tries) Add(row checkpoint.Row) {
	t.N++
	t.prompt += row.PromptTokens
	t.completion += row.CompletionTokens
	t.cached += row.CachedTokens
	t.reasoning += row.ReasoningTokens
	if row.CostUSD == nil {
		t.costUnknown = true
	} else {
		t.cost += *row.CostUSD
	}
}

// Finish puts every try's tokens and cost on row (the last try's) and,
// when the last answer was still broken (problem not nil), makes it an
// error row saying what was wrong; pos names the row.
func (t *Tries) Finish(row *checkpoint.Row, pos string, problem *Problem) {
	row.PromptTokens, row.CompletionTokens = t.prompt, t.completion
	row.CachedTokens, row.ReasoningTokens = t.cached, t.reasoning
	row.CostUSD = nil
	if !t.costUnknown {
		cost := rows.RoundUSD(t.cost)
		row.CostUSD = &cost
	}
	if problem != nil {
		row.Status, row.ErrorKind = checkpoint.StatusFailed, problem.Kind
		tries := "1 try"
		if t.N != 1 {
			tries = fmt.Sprintf("%d tries", t.N)
		}
		row.Error = fmt.Sprintf("%s: %s (%s)", pos, problem.Msg, tries)
	}
}
