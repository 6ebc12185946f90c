// Package sqlitefile opens an SQLite file the way every database of
// batchprompt is opened (the job's state database, the response cache):
// one writer connection whose write transactions take the lock at BEGIN,
// and a pool of read-only connections, all waiting out a busy file rather
// than failing at once.
package sqlitefile

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the pure-Go driver, registered as "sqlite"
)

// Abs returns path made absolute, or an error when it names a directory.
func Abs(path string) (string, error) {
	if path == "" {
		return "", errors.New("empty database path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(abs); err == nil && fi.IsDir() {
		return "", errors.New("is a directory")
	}
	return abs, nil
}

// Writer opens the single writer connection of the file at abs. Its
// write transactions take the write lock at BEGIN (_txlock=immediate),
// so a busy database fails (or waits) there, never at COMMIT after the
// work is done. extra pragmas are added to every connection.
func Writer(abs string, busy time.Duration, extra ...string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(abs, false, busy, extra))
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	return db, nil
}

// Readers opens a pool of at most n read-only connections to abs.
func Readers(abs string, busy time.Duration, n int, extra ...string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(abs, true, busy, extra))
	if err != nil {
		return nil, fmt.Errorf("open readers: %w", err)
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	return db, nil
}

// dsn builds a file: URI for abs so that any byte in the path ('?', '#',
// '%', spaces) reaches SQLite intact, plus the per-connection settings.
// synchronous=NORMAL in WAL mode loses nothing to a process crash; only a
// power loss can roll back the last transactions, and the file stays
// consistent.
func dsn(abs string, readOnly bool, busy time.Duration, extra []string) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	q := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", busy.Milliseconds()),
		"_pragma=synchronous(NORMAL)",
	}
	for _, p := range extra {
		q = append(q, "_pragma="+p)
	}
	if readOnly {
		q = append(q, "_pragma=query_only(1)")
	} else {
		q = append(q, "_txlock=immediate")
	}
	return "file:" + u.EscapedPath() + "?" + strings.Join(q, "&")
}
