package checkpoint

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/batchprompt/batchprompt/internal/sqlitefile"
)

// busyTimeout is how long a connection waits for another writer's lock
// before failing with SQLITE_BUSY. Our own writes are serialised on one
// connection, so this only matters when a second process (or handle) writes.
const busyTimeout = 10 * time.Second

// readConns bounds the read-only pool: enough for a streaming export plus a
// few small look-ups made from its callback.
const readConns = 4

// DB is an open checkpoint database. It is safe for concurrent use.
type DB struct {
	path  string
	w     *sql.DB   // exactly one connection: SQLite has one writer anyway
	r     *sql.DB   // read-only pool; WAL lets readers run beside the writer
	atSeq *sql.Stmt // atSeqSQL on r
	// n is one read-only connection for the names look-ups made while a
	// cursor on r is open (Rows, Lookup, AtSeq): were they made on r, as
	// many concurrent cursors as r has connections would each wait for a
	// fifth, forever. A look-up holds n only for its one-row query.
	n     *sql.DB
	names nameCache
}

// Open opens the checkpoint database at path, creating it (and its schema)
// if missing. It fails with an error naming path when the file is not an
// SQLite database, belongs to something else, or was written by a newer
// schema version. A database written by an earlier release is migrated in
// place on its first open, in one transaction (a failure leaves it as it
// was), then vacuumed; that costs one pass over its rows, once.
//
// The database runs in WAL mode with synchronous=NORMAL. In WAL mode a
// transaction is committed once its frames are appended to the WAL, and the
// WAL is fsynced at checkpoints: a process crash (kill -9, panic) can never
// lose a committed transaction, because the data is in the OS page cache and
// reaches the file regardless. Only a power loss or OS crash can roll back
// the last few transactions, and even then the database stays consistent.
// That trades a little durability we do not need (a lost row is simply
// resent) for commits that cost no fsync each.
func Open(ctx context.Context, path string) (_ *DB, err error) {
	if path == "" {
		return nil, errors.New("checkpoint: empty database path")
	}
	abs, err := sqlitefile.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	db := &DB{path: path}
	defer func() {
		if err != nil { // close what was opened, newest first
			for _, c := range []*sql.DB{db.n, db.r, db.w} {
				if c != nil {
					c.Close()
				}
			}
		}
	}()
	if db.w, err = sqlitefile.Writer(abs, busyTimeout, "foreign_keys(OFF)"); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err := db.init(ctx); err != nil {
		return nil, err
	}
	if db.r, err = sqlitefile.Readers(abs, busyTimeout, readConns, "foreign_keys(OFF)"); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if db.n, err = sqlitefile.Readers(abs, busyTimeout, 1, "foreign_keys(OFF)"); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if db.atSeq, err = db.r.PrepareContext(ctx, atSeqSQL); err != nil {
		return nil, fmt.Errorf("checkpoint %s: prepare: %w", path, err)
	}
	return db, nil
}

// init checks the file is an SQLite database, switches it to WAL and
// creates, migrates (then vacuums) or checks the schema.
func (db *DB) init(ctx context.Context) error {
	var v int
	// The first read of the header is where a non-SQLite file is detected.
	if err := db.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("checkpoint %s: not a readable SQLite database: %w", db.path, err)
	}
	var mode string
	if err := db.w.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return fmt.Errorf("checkpoint %s: enable WAL: %w", db.path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("checkpoint %s: enable WAL: journal mode is %q", db.path, mode)
	}
	if err := migrate(ctx, db.w, db.path); err != nil {
		return err
	}
	if v == 1 {
		// Schema 2 rewrote the rows and leaves the old tables' pages free
		// inside the file (schema 3 only adds tables, so needs nothing);
		// hand them back once, or the migrated file would be larger than
		// before. A failure here loses nothing (the data is committed), so
		// it does not fail Open: the free pages are reused by later rows.
		db.w.ExecContext(ctx, "VACUUM") //nolint:errcheck // see above
	}
	return nil
}

// Close closes the database. Committed data is already durable; Close only
// checkpoints the WAL into the main file (SQLite does that when the last
// connection closes) and releases the connections.
func (db *DB) Close() error {
	errS := db.atSeq.Close()
	errR := db.r.Close()
	errN := db.n.Close()
	errW := db.w.Close()
	if err := errors.Join(errS, errR, errN, errW); err != nil {
		return fmt.Errorf("checkpoint %s: close: %w", db.path, err)
	}
	return nil
}

// Path returns the path the database was opened with.
func (db *DB) Path() string { return db.path }
