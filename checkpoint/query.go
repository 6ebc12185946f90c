package checkpoint

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// Done calls fn with the key, request hash and status of every stored row,
// of any run, in key order, from a single query over a covering index (the
// outputs are never read). It stops at, and returns, the first error from fn.
// fn may call other DB methods, including writes: the scan reads a
// snapshot and does not hold the writer.
func (db *DB) Done(ctx context.Context, fn func(key, requestHash string, st Status) error) error {
	rows, err := db.r.QueryContext(ctx, "SELECT key, request_hash, status FROM rows INDEXED BY rows_done")
	if err != nil {
		return fmt.Errorf("checkpoint %s: list done rows: %w", db.path, err)
	}
	defer rows.Close()
	var (
		key, hash string
		st        int64
	)
	for rows.Next() {
		if err := rows.Scan(&key, &hash, &st); err != nil {
			return fmt.Errorf("checkpoint %s: list done rows: %w", db.path, err)
		}
		if err := fn(key, hash, Status(st)); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("checkpoint %s: list done rows: %w", db.path, err)
	}
	return nil
}

// rowColumns lists what Rows reads, in scanRow's order.
const rowColumns = `key, seq, request_hash, status, id, kept, output, finish_reason, model,
	prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, cost_usd,
	latency_ms, attempts, error, error_kind, http_status, response_body, position, request_id`

// Rows calls fn with every row placed in the input (Seq >= 0), ordered by
// Seq (then Key, should two rows share a Seq), from a single query. The
// resume path keeps Seq unique and detaches (Seq -1) rows whose input line
// is gone (see Touch and DetachFrom), so deleted lines do not reach the
// outputs. It stops at, and returns, the first error from fn. Each Row
// passed to fn is freshly allocated and may be retained.
func (db *DB) Rows(ctx context.Context, fn func(Row) error) error {
	rows, err := db.r.QueryContext(ctx,
		"SELECT "+rowColumns+" FROM rows INDEXED BY rows_seq WHERE seq >= 0 ORDER BY seq, key")
	if err != nil {
		return fmt.Errorf("checkpoint %s: list rows: %w", db.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return fmt.Errorf("checkpoint %s: list rows: %w", db.path, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("checkpoint %s: list rows: %w", db.path, err)
	}
	return nil
}

func scanRow(rows *sql.Rows) (Row, error) {
	var (
		r        Row
		st       int64
		attempts int64
		http     int64
		kept     sql.NullString
		cost     sql.NullFloat64
		body     []byte
	)
	err := rows.Scan(&r.Key, &r.Seq, &r.RequestHash, &st, &r.ID, &kept, &r.Output, &r.FinishReason, &r.Model,
		&r.PromptTokens, &r.CompletionTokens, &r.CachedTokens, &r.ReasoningTokens, &cost,
		&r.LatencyMS, &attempts, &r.Error, &r.ErrorKind, &http, &body, &r.Position, &r.RequestID)
	if err != nil {
		return Row{}, err
	}
	r.Status, r.Attempts, r.HTTPStatus = Status(st), int(attempts), int(http)
	if cost.Valid {
		c := cost.Float64
		r.CostUSD = &c
	}
	if kept.Valid {
		if err := json.Unmarshal([]byte(kept.String), &r.Kept); err != nil {
			return Row{}, fmt.Errorf("row %q: decode kept columns: %w", r.Key, err)
		}
		if r.Kept == nil { // "[]" must not read back as nil
			r.Kept = []*string{}
		}
	}
	if body != nil {
		r.ResponseBody = body // Scan into []byte copies: safe to keep
	}
	return r, nil
}

// Get returns the stored row with key; ok is false when there is none.
// Cost: one indexed look-up.
func (db *DB) Get(ctx context.Context, key string) (Row, bool, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+rowColumns+" FROM rows WHERE key = ?", key)
	if err != nil {
		return Row{}, false, fmt.Errorf("checkpoint %s: get row %q: %w", db.path, key, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Row{}, false, fmt.Errorf("checkpoint %s: get row %q: %w", db.path, key, err)
		}
		return Row{}, false, nil
	}
	r, err := scanRow(rows)
	if err != nil {
		return Row{}, false, fmt.Errorf("checkpoint %s: get row %q: %w", db.path, key, err)
	}
	return r, true, nil
}
