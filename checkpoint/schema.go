package checkpoint

import (
	"context"
	"database/sql"
	"fmt"
)

// schemaVersion is stored in PRAGMA user_version. Bump it, and add a step to
// migrate, whenever the schema changes; commit a fixture written by the
// release before (see fixture_test.go) so the step is tested.
const schemaVersion = 4

// schemaV2 creates the tables of version 2.
//
// rows keeps its rowid (not WITHOUT ROWID) because outputs may be kilobytes
// long, which SQLite documents as a poor fit for WITHOUT ROWID tables.
// rows_seq serves DB.Rows in input order, and DB.AtSeq's ordered scan that
// resume merges with the reader; it holds only seq (and the rowid), so the
// keys are stored twice (the table and its primary key), not three times.
// rows_err finds the latest error without scanning successes.
//
// A row's size is most of the database's, so columns hold a compact form
// (see encode.go): request_hash the bytes of a hex hash, id the offset of
// the ID within the key when the key ends with it, and position the line
// number, with the file's path stored once in names and referenced by
// position_file. Those columns are declared BLOB so that SQLite stores each
// value as bound, text or integer or bytes. model and finish_reason, a
// handful of values repeated on every row, are ids in names too.
const schemaV2 = `
CREATE TABLE meta (
	key   TEXT PRIMARY KEY NOT NULL,
	value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE internal (
	key   TEXT PRIMARY KEY NOT NULL,
	value TEXT NOT NULL
) WITHOUT ROWID;
` + namesV2 + rowsV2 + indexesV2

const namesV2 = `
CREATE TABLE names (
	id   INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
);
`

const rowsV2 = `
CREATE TABLE rows (
	key               TEXT PRIMARY KEY NOT NULL,
	run               INTEGER NOT NULL,
	seq               INTEGER NOT NULL,
	updated           INTEGER NOT NULL,
	request_hash      BLOB NOT NULL,
	status            INTEGER NOT NULL CHECK (status IN (1, 2, 3)),
	id                BLOB NOT NULL,
	kept              TEXT,
	output            TEXT NOT NULL,
	finish_reason     INTEGER NOT NULL REFERENCES names (id),
	model             INTEGER NOT NULL REFERENCES names (id),
	prompt_tokens     INTEGER NOT NULL,
	completion_tokens INTEGER NOT NULL,
	cached_tokens     INTEGER NOT NULL,
	reasoning_tokens  INTEGER NOT NULL,
	cost_usd          REAL,
	latency_ms        INTEGER NOT NULL,
	attempts          INTEGER NOT NULL,
	error             TEXT NOT NULL,
	error_kind        TEXT NOT NULL,
	http_status       INTEGER NOT NULL,
	response_body     BLOB,
	position_file     INTEGER REFERENCES names (id),
	position          BLOB NOT NULL,
	request_id        TEXT NOT NULL
);
`

const indexesV2 = `
CREATE INDEX rows_seq ON rows (seq);
CREATE INDEX rows_err ON rows (updated) WHERE status <> 1;
`

// migrate brings the database behind w to schemaVersion inside one immediate
// transaction, so two processes opening a fresh file cannot both create the
// schema. It refuses a file written by a newer version rather than guess.
func migrate(ctx context.Context, w *sql.DB, path string) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("checkpoint %s: begin schema transaction: %w", path, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("checkpoint %s: read schema version: %w", path, err)
	}
	switch {
	case v == schemaVersion:
		return nil
	case v > schemaVersion:
		return fmt.Errorf("checkpoint %s: schema version %d is newer than this program understands (%d)", path, v, schemaVersion)
	case v == 0:
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
			return fmt.Errorf("checkpoint %s: inspect schema: %w", path, err)
		}
		if n != 0 {
			return fmt.Errorf("checkpoint %s: an SQLite database with other tables, not a checkpoint", path)
		}
		if _, err := tx.ExecContext(ctx, schemaV2+batchesV3); err != nil {
			return fmt.Errorf("checkpoint %s: create schema: %w", path, err)
		}
	case v == 1 || v == 2:
		if v == 1 {
			if err := migrateV1(ctx, tx); err != nil {
				return fmt.Errorf("checkpoint %s: migrate schema 1 to 2: %w", path, err)
			}
		}
		// Schema 3 only adds the Batch API's tables: existing rows are
		// untouched, so the step costs nothing.
		if _, err := tx.ExecContext(ctx, batchesV3); err != nil {
			return fmt.Errorf("checkpoint %s: migrate schema 2 to 3: %w", path, err)
		}
	case v == 3:
		// Only the step below.
	default:
		return fmt.Errorf("checkpoint %s: unknown schema version %d", path, v)
	}
	// Schema 4 adds where each answer came from, and the index that finds
	// an answer by its request's hash (see answers.go). On a new file too,
	// so that every file has one schema whatever its history.
	if v < 4 {
		if err := migrateAnswers(ctx, tx); err != nil {
			return fmt.Errorf("checkpoint %s: migrate schema %d to 4: %w", path, v, err)
		}
	}
	// PRAGMA does not take bound parameters; the value is our own constant.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
		return fmt.Errorf("checkpoint %s: set schema version: %w", path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("checkpoint %s: commit schema: %w", path, err)
	}
	return nil
}
