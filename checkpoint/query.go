package checkpoint

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// Done calls fn with the key, request hash and status of every stored row,
// of any run, in key order. It stops at, and returns, the first error from
// fn. fn may call other DB methods, including writes: the scan reads a
// snapshot and does not hold the writer. Cost: one pass over the whole
// table, outputs included; resume does not use it (see AtSeq and Lookup).
func (db *DB) Done(ctx context.Context, fn func(key, requestHash string, st Status) error) error {
	rows, err := db.r.QueryContext(ctx, "SELECT key, request_hash, status FROM rows ORDER BY key")
	if err != nil {
		return fmt.Errorf("checkpoint %s: list done rows: %w", db.path, err)
	}
	defer rows.Close()
	var (
		key  string
		hash any
		st   int64
	)
	for rows.Next() {
		if err := rows.Scan(&key, &hash, &st); err != nil {
			return fmt.Errorf("checkpoint %s: list done rows: %w", db.path, err)
		}
		h, err := decodeHash(hash)
		if err != nil {
			return fmt.Errorf("checkpoint %s: row %q: %w", db.path, key, err)
		}
		if err := fn(key, h, Status(st)); err != nil {
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
	latency_ms, attempts, error, error_kind, http_status, response_body,
	position, position_file, request_id, served_from`

// Rows calls fn with every row placed in the input (Seq >= 0), ordered by
// Seq (then by which key was stored first, should two rows share a Seq:
// that is the index's own order, so no sort is needed), from a single query. The
// resume path keeps Seq unique and detaches (Seq -1) rows whose input line
// is gone (see Touch and DetachFrom), so deleted lines do not reach the
// outputs. It stops at, and returns, the first error from fn. Each Row
// passed to fn is freshly allocated and may be retained.
func (db *DB) Rows(ctx context.Context, fn func(Row) error) error {
	rows, err := db.r.QueryContext(ctx,
		"SELECT "+rowColumns+" FROM rows INDEXED BY rows_seq WHERE seq >= 0 ORDER BY seq, rowid")
	if err != nil {
		return fmt.Errorf("checkpoint %s: list rows: %w", db.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := db.scanRow(ctx, rows)
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

// scanRow reads one row of rowColumns.
func (db *DB) scanRow(ctx context.Context, rows *sql.Rows) (Row, error) {
	var (
		r                  Row
		st, attempts, http int64
		from               int64
		finish, model      int64
		hash, id, pos      any
		kept               sql.NullString
		file               sql.NullInt64
		cost               sql.NullFloat64
		body               []byte
	)
	err := rows.Scan(&r.Key, &r.Seq, &hash, &st, &id, &kept, &r.Output, &finish, &model,
		&r.PromptTokens, &r.CompletionTokens, &r.CachedTokens, &r.ReasoningTokens, &cost,
		&r.LatencyMS, &attempts, &r.Error, &r.ErrorKind, &http, &body, &pos, &file, &r.RequestID, &from)
	if err != nil {
		return Row{}, err
	}
	r.Status, r.Attempts, r.HTTPStatus, r.ServedFrom = Status(st), int(attempts), int(http), Source(from)
	if r.FinishReason, err = db.name(ctx, finish); err != nil {
		return Row{}, fmt.Errorf("row %q: finish reason: %w", r.Key, err)
	}
	if r.Model, err = db.name(ctx, model); err != nil {
		return Row{}, fmt.Errorf("row %q: model: %w", r.Key, err)
	}
	if r.RequestHash, err = decodeHash(hash); err != nil {
		return Row{}, fmt.Errorf("row %q: %w", r.Key, err)
	}
	if r.ID, err = decodeID(r.Key, id); err != nil {
		return Row{}, fmt.Errorf("row %q: %w", r.Key, err)
	}
	if r.Position, err = db.position(ctx, pos, file); err != nil {
		return Row{}, fmt.Errorf("row %q: %w", r.Key, err)
	}
	if cost.Valid {
		c := cost.Float64
		r.CostUSD = &c
	}
	if kept.Valid {
		if err := json.Unmarshal([]byte(kept.String), &r.Kept); err != nil {
			return Row{}, fmt.Errorf("row %q: decode kept columns: %w", r.Key, err)
		}
		if r.Kept == nil { // "[]" must not read back as nil
			r.Kept = []json.RawMessage{}
		}
		for i, v := range r.Kept {
			if string(v) == "null" { // NULL reads back as it was committed
				r.Kept[i] = nil
			}
		}
	}
	if body != nil {
		r.ResponseBody = body // Scan into []byte copies: safe to keep
	}
	return r, nil
}
