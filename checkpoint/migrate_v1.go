package checkpoint

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// migrateBatch is how many rows migrateV1 reads before writing them: the
// read finishes before the writes begin, so no statement reads a table
// that is being written on the same connection.
const migrateBatch = 5000

// migrateV1 rewrites a schema 1 database as schema 2 within tx: every row
// is copied through the same encoding Commit uses, then the old table and
// its indexes, rows_done among them (it served only a lookup nobody makes),
// are dropped. meta and internal are unchanged. Nothing is visible to
// another connection until tx commits, and a failure leaves schema 1 as it
// was. Cost: one pass over the rows; the file keeps the old table's pages
// as free space until the caller vacuums.
func migrateV1(ctx context.Context, tx *sql.Tx) error {
	create := namesV2 + strings.Replace(rowsV2, "CREATE TABLE rows (", "CREATE TABLE rows_v2 (", 1) +
		// insertSQL writes every column of today's rows, so the copy needs
		// the columns later steps add; those steps then find them there.
		"ALTER TABLE rows_v2 ADD COLUMN served_from INTEGER NOT NULL DEFAULT 0;"
	if _, err := tx.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("create tables: %w", err)
	}
	ins, err := tx.PrepareContext(ctx, strings.Replace(insertSQL, "INSERT INTO rows (", "INSERT INTO rows_v2 (", 1))
	if err != nil {
		return fmt.Errorf("prepare copy: %w", err)
	}
	defer ins.Close()
	names := newNamer(tx)
	for after := int64(-1 << 63); ; {
		batch, last, err := readV1(ctx, tx, after)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		for _, r := range batch {
			if err := r.insert(ctx, ins, names); err != nil {
				return fmt.Errorf("copy row %q: %w", r.Key, err)
			}
		}
		after = last
	}
	for _, stmt := range []string{"DROP TABLE rows", "ALTER TABLE rows_v2 RENAME TO rows", indexesV2} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", strings.TrimSpace(stmt), err)
		}
	}
	return nil
}

// v1Row is a schema 1 row with the columns Row does not hold.
type v1Row struct {
	Row
	run, updated int64
	kept         sql.NullString // stored JSON, copied as it is
}

// readV1 returns up to migrateBatch schema 1 rows after rowid after, in
// rowid order, and the last rowid read.
func readV1(ctx context.Context, tx *sql.Tx, after int64) ([]v1Row, int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT rowid, key, run, seq, updated, request_hash, status, id, kept,
	output, finish_reason, model, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, cost_usd,
	latency_ms, attempts, error, error_kind, http_status, response_body, position, request_id
FROM rows WHERE rowid > ? ORDER BY rowid LIMIT ?`, after, migrateBatch)
	if err != nil {
		return nil, 0, fmt.Errorf("read rows: %w", err)
	}
	defer rows.Close()
	var out []v1Row
	var last int64
	for rows.Next() {
		var (
			r                   v1Row
			st, attempts, httpS int64
			cost                sql.NullFloat64
		)
		if err := rows.Scan(&last, &r.Key, &r.run, &r.Seq, &r.updated, &r.RequestHash, &st, &r.ID, &r.kept,
			&r.Output, &r.FinishReason, &r.Model, &r.PromptTokens, &r.CompletionTokens, &r.CachedTokens,
			&r.ReasoningTokens, &cost, &r.LatencyMS, &attempts, &r.Error, &r.ErrorKind, &httpS,
			&r.ResponseBody, &r.Position, &r.RequestID); err != nil {
			return nil, 0, fmt.Errorf("read rows: %w", err)
		}
		r.Status, r.Attempts, r.HTTPStatus = Status(st), int(attempts), int(httpS)
		if cost.Valid {
			r.CostUSD = &cost.Float64
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("read rows: %w", err)
	}
	return out, last, nil
}

// insert writes r with the schema 2 encoding through ins (insertSQL).
func (r *v1Row) insert(ctx context.Context, ins *sql.Stmt, names *namer) error {
	var kept any
	if r.kept.Valid {
		kept = r.kept.String
	}
	args, err := rowArgs(ctx, names, &r.Row, r.run, r.updated, kept)
	if err != nil {
		return err
	}
	_, err = ins.ExecContext(ctx, args...)
	return err
}
