package checkpoint

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// insertSQL writes one row; rowArgs gives its arguments in order.
const insertSQL = `
INSERT INTO rows (
	key, run, seq, updated, request_hash, status, id, kept, output, finish_reason, model,
	prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, cost_usd,
	latency_ms, attempts, error, error_kind, http_status, response_body, position_file, position, request_id,
	served_from
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// upsertSQL replaces every column but the key: a committed row is the row's
// latest result, whatever came before.
const upsertSQL = insertSQL + `
ON CONFLICT(key) DO UPDATE SET
	run = excluded.run, seq = excluded.seq, updated = excluded.updated,
	request_hash = excluded.request_hash, status = excluded.status, id = excluded.id,
	kept = excluded.kept, output = excluded.output, finish_reason = excluded.finish_reason,
	model = excluded.model, prompt_tokens = excluded.prompt_tokens,
	completion_tokens = excluded.completion_tokens, cached_tokens = excluded.cached_tokens,
	reasoning_tokens = excluded.reasoning_tokens, cost_usd = excluded.cost_usd,
	latency_ms = excluded.latency_ms, attempts = excluded.attempts, error = excluded.error,
	error_kind = excluded.error_kind, http_status = excluded.http_status,
	response_body = excluded.response_body, position_file = excluded.position_file,
	position = excluded.position, request_id = excluded.request_id,
	served_from = excluded.served_from`

// rowArgs lists insertSQL's arguments for r, encoded as the schema says,
// with its kept columns already encoded (see encodeKept). names gives the
// ids of its model, finish reason and position's file.
func rowArgs(ctx context.Context, names *namer, r *Row, run, updated int64, kept any) ([]any, error) {
	posFile, pos, err := names.position(ctx, r.Position)
	if err != nil {
		return nil, err
	}
	model, err := names.id(ctx, r.Model)
	if err != nil {
		return nil, err
	}
	finish, err := names.id(ctx, r.FinishReason)
	if err != nil {
		return nil, err
	}
	return []any{
		r.Key, run, r.Seq, updated, encodeHash(r.RequestHash), int64(r.Status), encodeID(r.Key, r.ID), kept,
		r.Output, finish, model,
		r.PromptTokens, r.CompletionTokens, r.CachedTokens, r.ReasoningTokens, nullFloat(r.CostUSD),
		r.LatencyMS, int64(r.Attempts), r.Error, r.ErrorKind, int64(r.HTTPStatus),
		nullBytes(r.ResponseBody), posFile, pos, r.RequestID, int64(r.ServedFrom),
	}, nil
}

// ErrNotCommitted is returned (wrapped) by Touch for a key that has no stored row.
var ErrNotCommitted = errors.New("row not committed")

// Commit upserts rows by Key in one transaction with one prepared statement,
// stamping each with the current run (see BeginRun). Either all rows are
// committed or none is; when Commit returns nil they survive a process
// crash. A row with an empty Key or an unknown Status is refused before
// anything is written. Within rows, a later duplicate Key wins.
//
// Cost: one transaction (no fsync in WAL+NORMAL) plus one statement
// execution per row; batch rows rather than calling Commit per row.
func (db *DB) Commit(ctx context.Context, rows []Row) error {
	if len(rows) == 0 {
		return nil
	}
	for i := range rows {
		if err := checkRow(&rows[i]); err != nil {
			return fmt.Errorf("checkpoint %s: commit: %w", db.path, err)
		}
	}
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		run, err := intInternal(ctx, tx, keyRun)
		if err != nil {
			return err
		}
		updated, err := intInternal(ctx, tx, keyUpdated)
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, upsertSQL)
		if err != nil {
			return fmt.Errorf("prepare upsert: %w", err)
		}
		defer stmt.Close()
		names := newNamer(tx)
		var spent int64
		for i := range rows {
			r := &rows[i]
			if r.CostUSD != nil && *r.CostUSD > 0 {
				spent += int64(math.Ceil(*r.CostUSD * 1e9))
			}
			kept, err := encodeKept(r.Kept)
			if err != nil {
				return fmt.Errorf("row %q: encode kept columns: %w", r.Key, err)
			}
			updated++
			args, err := rowArgs(ctx, names, r, run, updated, kept)
			if err != nil {
				return fmt.Errorf("row %q: %w", r.Key, err)
			}
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("row %q (%s): upsert: %w", r.Key, r.Position, err)
			}
		}
		if spent > 0 {
			total, err := intInternal(ctx, tx, keySpent)
			if err != nil {
				return err
			}
			if err := setInternal(ctx, tx, keySpent, strconv.FormatInt(total+spent, 10)); err != nil {
				return err
			}
		}
		return setInternal(ctx, tx, keyUpdated, strconv.FormatInt(updated, 10))
	})
	return wrapErr(db.path, "commit", err)
}

// Touch records, in one transaction, that rows committed by an earlier run
// belong to the current run at the given positions: the resume path calls
// it for rows it reuses instead of resending. Nothing else about the rows
// changes. A key with no stored row fails the whole batch with
// ErrNotCommitted, naming the key, and nothing is written.
func (db *DB) Touch(ctx context.Context, updates []SeqUpdate) error {
	if len(updates) == 0 {
		return nil
	}
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		run, err := intInternal(ctx, tx, keyRun)
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, "UPDATE rows SET run = ?, seq = ? WHERE key = ?")
		if err != nil {
			return fmt.Errorf("prepare touch: %w", err)
		}
		defer stmt.Close()
		for _, u := range updates {
			res, err := stmt.ExecContext(ctx, run, u.Seq, u.Key)
			if err != nil {
				return fmt.Errorf("row %q: touch: %w", u.Key, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("row %q: touch: %w", u.Key, err)
			}
			if n == 0 {
				return fmt.Errorf("row %q: touch: %w", u.Key, ErrNotCommitted)
			}
		}
		return nil
	})
	return wrapErr(db.path, "touch", err)
}

// checkRow refuses what the schema would refuse, with a clearer message and
// before a transaction is opened.
func checkRow(r *Row) error {
	if r.Key == "" {
		return fmt.Errorf("row at %q: empty key", r.Position)
	}
	if !r.Status.valid() {
		return fmt.Errorf("row %q (%s): invalid status %d", r.Key, r.Position, int(r.Status))
	}
	return nil
}

// encodeKept stores nil as NULL so that a row without kept columns reads
// back as nil, distinct from an empty list.
func encodeKept(kept []json.RawMessage) (any, error) {
	if kept == nil {
		return nil, nil
	}
	b, err := json.Marshal(kept)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func nullFloat(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}
