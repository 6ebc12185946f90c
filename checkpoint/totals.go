package checkpoint

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Totals summarises the rows of one run.
type Totals struct {
	Rows, OK, Failed, Pending int64
	// Token sums over all rows of the run, whatever their status: a failed
	// row may still have been billed.
	PromptTokens, CompletionTokens, CachedTokens, ReasoningTokens int64
	// CostUSD sums the known costs; UnknownCost counts OK rows whose cost is
	// unknown (nil), so the sum is a lower bound whenever it is not 0.
	CostUSD     float64
	UnknownCost int64
	// LastError is the error of the most recently answered failed or
	// pending row of the run, "" when there is none.
	LastError string
}

// Totals summarises the current run (see BeginRun): the rows DB.Rows would
// yield, plus any of the run's rows with a negative Seq. Cost: one scan of
// the run's rows and one index look-up.
func (db *DB) Totals(ctx context.Context) (Totals, error) {
	run, err := db.Run(ctx)
	if err != nil {
		return Totals{}, err
	}
	var t Totals
	err = db.r.QueryRowContext(ctx, `
SELECT count(*),
	coalesce(sum(status = 1), 0), coalesce(sum(status = 2), 0), coalesce(sum(status = 3), 0),
	coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),
	coalesce(sum(cached_tokens), 0), coalesce(sum(reasoning_tokens), 0),
	coalesce(total(cost_usd), 0), coalesce(sum(status = 1 AND cost_usd IS NULL), 0)
FROM rows WHERE run = ?`, run).Scan(
		&t.Rows, &t.OK, &t.Failed, &t.Pending,
		&t.PromptTokens, &t.CompletionTokens, &t.CachedTokens, &t.ReasoningTokens,
		&t.CostUSD, &t.UnknownCost)
	if err != nil {
		return Totals{}, fmt.Errorf("checkpoint %s: totals: %w", db.path, err)
	}
	err = db.r.QueryRowContext(ctx, `
SELECT error FROM rows INDEXED BY rows_err
WHERE run = ? AND status <> 1 AND error <> '' AND error_kind <> 'pending' ORDER BY updated DESC LIMIT 1`, run).Scan(&t.LastError)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Totals{}, fmt.Errorf("checkpoint %s: last error: %w", db.path, err)
	}
	return t, nil
}
