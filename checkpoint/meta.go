package checkpoint

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Keys of the internal table, which callers cannot reach through Meta.
const (
	keyFingerprint = "fingerprint" // JSON object of the job's identity
	keyRun         = "run"         // current run counter
	keyUpdated     = "updated"     // last commit sequence number, orders errors
	keySpent       = "spent_nano"  // every committed cost ever, in nano-dollars
)

// Spent returns the cost of every result ever committed to this database,
// in USD, across all runs, including results later replaced (an edited row
// sent again was paid twice). The budget cap counts against it, so a resumed
// job's cap includes what earlier runs spent.
func (db *DB) Spent(ctx context.Context) (float64, error) {
	n, err := intInternal(ctx, db.r, keySpent)
	if err != nil {
		return 0, fmt.Errorf("checkpoint %s: read spend: %w", db.path, err)
	}
	return float64(n) / 1e9, nil
}

// Meta returns the value stored under key by SetMeta; ok is false when none is.
func (db *DB) Meta(ctx context.Context, key string) (value string, ok bool, err error) {
	err = db.r.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("checkpoint %s: read meta %q: %w", db.path, key, err)
	}
	return value, true, nil
}

// SetMeta stores value under key, replacing any previous value. It is one
// small durable transaction.
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	_, err := db.w.ExecContext(ctx,
		"INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
		key, value)
	if err != nil {
		return fmt.Errorf("checkpoint %s: write meta %q: %w", db.path, key, err)
	}
	return nil
}

// Fingerprint returns the job identity stored by SetFingerprint; ok is false
// when none was stored yet (a new job). Resume compares it to the current
// configuration and refuses a rerun that differs.
func (db *DB) Fingerprint(ctx context.Context) (fp map[string]string, ok bool, err error) {
	s, ok, err := getInternal(ctx, db.r, keyFingerprint)
	if err != nil || !ok {
		return nil, false, wrapErr(db.path, "read fingerprint", err)
	}
	fp = map[string]string{}
	if err := json.Unmarshal([]byte(s), &fp); err != nil {
		return nil, false, fmt.Errorf("checkpoint %s: decode fingerprint: %w", db.path, err)
	}
	return fp, true, nil
}

// SetFingerprint stores fp as the job identity, replacing any previous one.
// A nil or empty map is stored as an empty identity (ok stays true).
func (db *DB) SetFingerprint(ctx context.Context, fp map[string]string) error {
	if fp == nil {
		fp = map[string]string{}
	}
	b, err := json.Marshal(fp) // map keys are sorted: stable bytes for equal maps
	if err != nil {
		return fmt.Errorf("checkpoint %s: encode fingerprint: %w", db.path, err)
	}
	return wrapErr(db.path, "write fingerprint", setInternal(ctx, db.w, keyFingerprint, string(b)))
}

// BeginRun starts a new run: it increments the run counter stored in the
// database and returns the new value (1 for the first run). Rows committed
// or touched afterwards belong to it; DB.Rows yields only them.
func (db *DB) BeginRun(ctx context.Context) (run int64, err error) {
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		cur, err := intInternal(ctx, tx, keyRun)
		if err != nil {
			return err
		}
		run = cur + 1
		return setInternal(ctx, tx, keyRun, strconv.FormatInt(run, 10))
	})
	if err != nil {
		return 0, wrapErr(db.path, "begin run", err)
	}
	return run, nil
}

// Run returns the current run counter: 0 before the first BeginRun.
func (db *DB) Run(ctx context.Context) (int64, error) {
	run, err := intInternal(ctx, db.r, keyRun)
	return run, wrapErr(db.path, "read run", err)
}

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func getInternal(ctx context.Context, q queryer, key string) (string, bool, error) {
	var v string
	err := q.QueryRowContext(ctx, "SELECT value FROM internal WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return v, err == nil, err
}

func setInternal(ctx context.Context, q queryer, key, value string) error {
	_, err := q.ExecContext(ctx,
		"INSERT INTO internal (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
		key, value)
	return err
}

// intInternal reads an integer counter, 0 when unset.
func intInternal(ctx context.Context, q queryer, key string) (int64, error) {
	s, ok, err := getInternal(ctx, q, key)
	if err != nil || !ok {
		return 0, err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("internal counter %q: %w", key, err)
	}
	return n, nil
}

// writeTx runs fn in one write transaction on the single writer connection
// and commits it, or rolls it back when fn or the commit fails.
func (db *DB) writeTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback() //nolint:errcheck // the fn error is the one that matters
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}

// wrapErr prefixes err with the database path and what was being done; nil stays nil.
func wrapErr(path, what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("checkpoint %s: %s: %w", path, what, err)
}
