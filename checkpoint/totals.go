package checkpoint

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Totals summarises the job's rows: those placed in the input (Seq >= 0).
type Totals struct {
	Rows, OK, Failed, Pending int64
	// GaveUp counts the Pending rows that ran out of transient retries:
	// they carry an error kind (other than "pending") and the next
	// run sends them again.
	GaveUp int64
	// Token sums over all placed rows, whatever their status: a failed
	// row may still have been billed.
	PromptTokens, CompletionTokens, CachedTokens, ReasoningTokens int64
	// CostUSD sums the known costs; UnknownCost counts OK rows whose cost is
	// unknown (nil), so the sum is a lower bound whenever it is not 0.
	CostUSD     float64
	UnknownCost int64
	// LastError is the error of the most recently answered failed or
	// pending row, "" when there is none.
	LastError string
}

// Totals summarises the rows DB.Rows would yield. Cost: one scan of the
// rows and one index look-up.
func (db *DB) Totals(ctx context.Context) (Totals, error) {
	var t Totals
	err := db.r.QueryRowContext(ctx, `
SELECT count(*),
	coalesce(sum(status = 1), 0), coalesce(sum(status = 2), 0), coalesce(sum(status = 3), 0),
	coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),
	coalesce(sum(cached_tokens), 0), coalesce(sum(reasoning_tokens), 0),
	coalesce(total(cost_usd), 0), coalesce(sum(status = 1 AND cost_usd IS NULL), 0),
	coalesce(sum(status = 3 AND error_kind NOT IN ('', 'pending')), 0)
FROM rows WHERE seq >= 0`).Scan(
		&t.Rows, &t.OK, &t.Failed, &t.Pending,
		&t.PromptTokens, &t.CompletionTokens, &t.CachedTokens, &t.ReasoningTokens,
		&t.CostUSD, &t.UnknownCost, &t.GaveUp)
	if err != nil {
		return Totals{}, fmt.Errorf("checkpoint %s: totals: %w", db.path, err)
	}
	err = db.r.QueryRowContext(ctx, `
SELECT error FROM rows INDEXED BY rows_err
WHERE status <> 1 AND seq >= 0 AND error <> '' AND error_kind <> 'pending' ORDER BY updated DESC LIMIT 1`).Scan(&t.LastError)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Totals{}, fmt.Errorf("checkpoint %s: last error: %w", db.path, err)
	}
	return t, nil
}
