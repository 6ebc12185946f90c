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

// rowColumns lists what Rows reads, in scanRow's order, from rowsFrom.
const rowColumns = `r.key, r.seq, r.request_hash, r.status, r.id, r.kept, r.output, fr.name, m.name,
	r.prompt_tokens, r.completion_tokens, r.cached_tokens, r.reasoning_tokens, r.cost_usd,
	r.latency_ms, r.attempts, r.error, r.error_kind, r.http_status, r.response_body,
	r.position, f.name, r.request_id`

// placeFrom joins each row to the name of its position's file; names is a
// handful of rows, so the join is one cached look-up per row.
const placeFrom = ` LEFT JOIN names AS f ON f.id = r.position_file`

// rowsFrom joins each row to its position's file, finish reason and model.
const rowsFrom = placeFrom + ` LEFT JOIN names AS fr ON fr.id = r.finish_reason LEFT JOIN names AS m ON m.id = r.model`

// Rows calls fn with every row placed in the input (Seq >= 0), ordered by
// Seq (then by which key was stored first, should two rows share a Seq:
// that is the index's own order, so no sort is needed), from a single query. The
// resume path keeps Seq unique and detaches (Seq -1) rows whose input line
// is gone (see Touch and DetachFrom), so deleted lines do not reach the
// outputs. It stops at, and returns, the first error from fn. Each Row
// passed to fn is freshly allocated and may be retained.
func (db *DB) Rows(ctx context.Context, fn func(Row) error) error {
	rows, err := db.r.QueryContext(ctx,
		"SELECT "+rowColumns+" FROM rows AS r INDEXED BY rows_seq"+rowsFrom+" WHERE r.seq >= 0 ORDER BY r.seq, r.rowid")
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
		r                  Row
		st, attempts, http int64
		hash, id, pos      any
		file, kept         sql.NullString
		finish, model      sql.NullString
		cost               sql.NullFloat64
		body               []byte
	)
	err := rows.Scan(&r.Key, &r.Seq, &hash, &st, &id, &kept, &r.Output, &finish, &model,
		&r.PromptTokens, &r.CompletionTokens, &r.CachedTokens, &r.ReasoningTokens, &cost,
		&r.LatencyMS, &attempts, &r.Error, &r.ErrorKind, &http, &body, &pos, &file, &r.RequestID)
	if err != nil {
		return Row{}, err
	}
	r.Status, r.Attempts, r.HTTPStatus = Status(st), int(attempts), int(http)
	if !finish.Valid || !model.Valid {
		return Row{}, fmt.Errorf("row %q: finish reason or model missing from names", r.Key)
	}
	r.FinishReason, r.Model = finish.String, model.String
	if r.RequestHash, err = decodeHash(hash); err != nil {
		return Row{}, fmt.Errorf("row %q: %w", r.Key, err)
	}
	if r.ID, err = decodeID(r.Key, id); err != nil {
		return Row{}, fmt.Errorf("row %q: %w", r.Key, err)
	}
	if r.Position, err = decodePosition(pos, file.String, file.Valid); err != nil {
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
			r.Kept = []*string{}
		}
	}
	if body != nil {
		r.ResponseBody = body // Scan into []byte copies: safe to keep
	}
	return r, nil
}
