// Package respcache is the response cache that jobs share: a SQLite file
// mapping a request (its body's hash, the endpoint and the server's host)
// to the successful answer it got, so that a request answered once is
// never paid for again by any job that uses the same file.
//
// Several processes may use one file at once: it runs in WAL mode, every
// write takes the write lock at BEGIN and waits up to a busy timeout for
// another process's, and writes are batched so that a busy job costs the
// others one short transaction per batch. Errors are never stored: only
// answers the caller hands to Put, which it does only for successes.
package respcache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/batchprompt/batchprompt/internal/sqlitefile"
)

// schemaVersion is stored in PRAGMA user_version.
const schemaVersion = 1

// busyTimeout is how long a write waits for another process's lock.
const busyTimeout = 30 * time.Second

// schema creates the cache's one table. It keeps its rowid because
// outputs may be kilobytes long; answers_stored serves Prune and the
// oldest/newest figures of Stats.
const schema = `
CREATE TABLE IF NOT EXISTS answers (
	key               BLOB PRIMARY KEY NOT NULL,
	stored            INTEGER NOT NULL,
	model             TEXT NOT NULL,
	output            TEXT NOT NULL,
	finish_reason     TEXT NOT NULL,
	prompt_tokens     INTEGER NOT NULL,
	completion_tokens INTEGER NOT NULL,
	cached_tokens     INTEGER NOT NULL,
	reasoning_tokens  INTEGER NOT NULL,
	request_id        TEXT NOT NULL,
	body              BLOB
);
CREATE INDEX IF NOT EXISTS answers_stored ON answers (stored);
`

// Cache is an open response cache. It is safe for concurrent use, and the
// file for use by several processes at once.
type Cache struct {
	path string
	w    *sql.DB // one connection: SQLite has one writer
	r    *sql.DB // readers beside the writer (WAL)
}

// Open opens the cache at path, creating the file and its schema when
// missing. It fails, naming path, when the file is not a cache (another
// SQLite database or not SQLite at all) or was written by a newer version.
func Open(ctx context.Context, path string) (*Cache, error) {
	if path == "" {
		return nil, errors.New("response cache: empty path")
	}
	abs, err := sqlitefile.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("response cache %s: %w", path, err)
	}
	c := &Cache{path: path}
	if c.w, err = sqlitefile.Writer(abs, busyTimeout); err != nil {
		return nil, fmt.Errorf("response cache %s: %w", path, err)
	}
	if err := c.init(ctx); err != nil {
		c.w.Close()
		return nil, err
	}
	if c.r, err = sqlitefile.Readers(abs, busyTimeout, 4); err != nil {
		c.w.Close()
		return nil, fmt.Errorf("response cache %s: %w", path, err)
	}
	return c, nil
}

// enableWAL switches the file to WAL. Changing the journal mode needs the
// file to itself, and SQLite answers "database is locked" at once rather
// than waiting out busy_timeout when several processes open a new cache
// together; the first one to switch wins and the others find WAL set, so
// a refusal is retried for as long as busy_timeout would have waited.
func (c *Cache) enableWAL(ctx context.Context) error {
	deadline := time.Now().Add(busyTimeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		var mode string
		err := c.w.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		if err == nil && strings.EqualFold(mode, "wal") {
			return nil
		}
		if (err == nil || !strings.Contains(err.Error(), "locked")) || time.Now().After(deadline) {
			return fmt.Errorf("response cache %s: enable WAL (mode %q): %w", c.path, mode, err)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// init switches the file to WAL and creates or checks the schema, in one
// immediate transaction so that two processes opening a new file at once
// cannot both create it.
func (c *Cache) init(ctx context.Context) error {
	var v int
	if err := c.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("response cache %s: not a readable SQLite database: %w", c.path, err)
	}
	if err := c.enableWAL(ctx); err != nil {
		return err
	}
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("response cache %s: begin: %w", c.path, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("response cache %s: read schema version: %w", c.path, err)
	}
	switch {
	case v == schemaVersion:
		return nil
	case v > schemaVersion:
		return fmt.Errorf("response cache %s: schema version %d is newer than this program understands (%d)", c.path, v, schemaVersion)
	case v != 0:
		return fmt.Errorf("response cache %s: unknown schema version %d", c.path, v)
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
		return fmt.Errorf("response cache %s: inspect schema: %w", c.path, err)
	}
	if n != 0 {
		return fmt.Errorf("response cache %s: an SQLite database with other tables, not a response cache", c.path)
	}
	if _, err := tx.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("response cache %s: create schema: %w", c.path, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
		return fmt.Errorf("response cache %s: set schema version: %w", c.path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("response cache %s: commit schema: %w", c.path, err)
	}
	return nil
}

// Path returns the path the cache was opened with.
func (c *Cache) Path() string { return c.path }

// Close releases the connections. Everything Put has written is already
// committed; Close writes nothing.
func (c *Cache) Close() error {
	if err := errors.Join(c.r.Close(), c.w.Close()); err != nil {
		return fmt.Errorf("response cache %s: close: %w", c.path, err)
	}
	return nil
}
