package checkpoint

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Stored is what Lookup reports of a stored row.
type Stored struct {
	RequestHash string
	Status      Status
	Run         int64  // the run that last committed or touched the row
	Seq         int64  // its place in the input; -1 when detached
	Position    string // where the row came from in that run, "file:line"
}

// lookupChunk bounds the keys bound in one statement, well under SQLite's
// variable limit, so a call costs one indexed query per chunk.
const lookupChunk = 500

// Lookup returns the stored rows among keys, keyed by Key; keys with no
// stored row are absent. It costs one query per 500 keys over the primary
// key, so the resume path can check a batch of input rows at once instead
// of one query per row, and without holding every key in memory.
func (db *DB) Lookup(ctx context.Context, keys []string) (map[string]Stored, error) {
	out := make(map[string]Stored, len(keys))
	for len(keys) > 0 {
		n := min(len(keys), lookupChunk)
		if err := db.lookupChunk(ctx, keys[:n], out); err != nil {
			return nil, err
		}
		keys = keys[n:]
	}
	return out, nil
}

func (db *DB) lookupChunk(ctx context.Context, keys []string, out map[string]Stored) error {
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	q := "SELECT key, request_hash, status, run, seq, position, position_file FROM rows WHERE key IN (?" +
		strings.Repeat(",?", len(keys)-1) + ")"
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("checkpoint %s: look up rows: %w", db.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			key       string
			s         Stored
			st        int64
			hash, pos any
			file      sql.NullInt64
		)
		if err := rows.Scan(&key, &hash, &st, &s.Run, &s.Seq, &pos, &file); err != nil {
			return fmt.Errorf("checkpoint %s: look up rows: %w", db.path, err)
		}
		s.Status = Status(st)
		if s.RequestHash, s.Position, err = db.decodePlace(ctx, hash, pos, file); err != nil {
			return fmt.Errorf("checkpoint %s: look up row %q: %w", db.path, key, err)
		}
		out[key] = s
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("checkpoint %s: look up rows: %w", db.path, err)
	}
	return nil
}
