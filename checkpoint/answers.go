package checkpoint

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// answersV4 is schema 4's step: where each row's answer came from, and an
// index that finds a successful answer by its request's hash.
//
// The index holds the first 8 bytes of the hash, not all 32: enough to
// make a false match (filtered out by the query) one in 2^64, at about a
// third of the size (8 bytes plus the rowid per answered row). Only
// answered rows (status 1) are indexed, because only they can answer for
// a copy.
const answersV4 = `
ALTER TABLE rows ADD COLUMN served_from INTEGER NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS rows_answer ON rows (substr(request_hash, 1, 8)) WHERE status = 1;
`

// migrateAnswers applies answersV4 inside tx. It is idempotent: a
// database that already has the column (a step interrupted after the
// ALTER, or applied by hand) only gets the index. Adding a column with a
// default rewrites nothing; building the index costs one pass over the
// rows, once.
func migrateAnswers(ctx context.Context, tx *sql.Tx) error {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM pragma_table_info('rows') WHERE name = 'served_from'").Scan(&n)
	if err != nil {
		return fmt.Errorf("inspect rows: %w", err)
	}
	step := answersV4
	if n > 0 {
		step = step[strings.Index(step, "CREATE INDEX"):]
	}
	if _, err := tx.ExecContext(ctx, step); err != nil {
		return fmt.Errorf("add served_from and rows_answer: %w", err)
	}
	return nil
}

// Answers returns, for each hash among hashes that a stored row answered
// successfully (status OK, in any run, placed in the input or not), one
// such row, keyed by hash; a hash with no answer is absent. Dedupe uses it
// to copy an answer the job already paid for, including after a crash
// that came between the paid answer and its copies.
//
// Cost: one query per 500 hashes over the rows_answer index, plus reading
// each matching row (outputs included). A hash that many rows share reads
// each of them; callers ask only for hashes they have not yet resolved.
func (db *DB) Answers(ctx context.Context, hashes []string) (map[string]Row, error) {
	out := make(map[string]Row, len(hashes))
	for len(hashes) > 0 {
		n := min(len(hashes), lookupChunk)
		if err := db.answersChunk(ctx, hashes[:n], out); err != nil {
			return nil, fmt.Errorf("checkpoint %s: look up answers: %w", db.path, err)
		}
		hashes = hashes[n:]
	}
	return out, nil
}

func (db *DB) answersChunk(ctx context.Context, hashes []string, out map[string]Row) error {
	want := make(map[string]bool, len(hashes))
	args := make([]any, 0, len(hashes))
	for _, h := range hashes {
		if h == "" || want[h] {
			continue
		}
		want[h] = true
		args = append(args, hashPrefix(h))
	}
	if len(args) == 0 {
		return nil
	}
	q := "SELECT " + rowColumns + " FROM rows INDEXED BY rows_answer WHERE status = 1 AND substr(request_hash, 1, 8) IN (?" +
		strings.Repeat(",?", len(args)-1) + ")"
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := db.scanRow(ctx, rows)
		if err != nil {
			return err
		}
		if _, done := out[r.RequestHash]; want[r.RequestHash] && !done {
			out[r.RequestHash] = r
		}
	}
	return rows.Err()
}

// hashPrefix is what rows_answer indexes of a hash: the first 8 bytes of
// its stored form (see encodeHash), bytes for a hex hash, text otherwise.
func hashPrefix(h string) any {
	switch v := encodeHash(h).(type) {
	case []byte:
		return v[:min(len(v), 8)]
	case string:
		// substr counts characters of text; the hashes the pipeline makes
		// are hex, so this is only for hand-made ones.
		if r := []rune(v); len(r) > 8 {
			return string(r[:8])
		}
		return v
	}
	return h
}
