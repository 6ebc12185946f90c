package checkpoint

import (
	"context"
	"database/sql"
	"fmt"
)

// atSeqSQL is AtSeq's query, prepared once per DB (see Open): resume runs
// it for every batch of positions.
const atSeqSQL = `SELECT key, seq, request_hash, status, position, position_file
FROM rows INDEXED BY rows_seq WHERE seq >= ? AND seq < ? ORDER BY seq, rowid`

// Placed is a stored row as the resume merge sees it.
type Placed struct {
	Key         string
	Seq         int64
	RequestHash string
	Status      Status
	Position    string
}

// AtSeq returns the rows whose Seq is in [from, to), in Seq order (ties as
// Rows orders them), from one range scan over the rows_seq index. Resume
// reads the previous run's rows position by position beside the input: when
// the input is unchanged, every row is found where it was, with no per-row
// look-up and no write.
func (db *DB) AtSeq(ctx context.Context, from, to int64) ([]Placed, error) {
	rows, err := db.atSeq.QueryContext(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: rows at %d..%d: %w", db.path, from, to, err)
	}
	defer rows.Close()
	out := make([]Placed, 0, to-from)
	for rows.Next() {
		var (
			p         Placed
			st        int64
			hash, pos any
			file      sql.NullInt64
		)
		if err := rows.Scan(&p.Key, &p.Seq, &hash, &st, &pos, &file); err != nil {
			return nil, fmt.Errorf("checkpoint %s: rows at %d..%d: %w", db.path, from, to, err)
		}
		p.Status = Status(st)
		if p.RequestHash, p.Position, err = db.decodePlace(ctx, hash, pos, file); err != nil {
			return nil, fmt.Errorf("checkpoint %s: row %q: %w", db.path, p.Key, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("checkpoint %s: rows at %d..%d: %w", db.path, from, to, err)
	}
	return out, nil
}

// DetachFrom takes every row with Seq >= n out of the outputs (Seq -1),
// in one statement. A run that read its whole input of n rows calls it, so
// rows of lines that have since been deleted from the end of the input are
// not written; their results stay stored, and are reused if the lines come
// back.
func (db *DB) DetachFrom(ctx context.Context, n int64) error {
	if _, err := db.w.ExecContext(ctx, "UPDATE rows SET seq = -1 WHERE seq >= ?", n); err != nil {
		return fmt.Errorf("checkpoint %s: detach rows from %d: %w", db.path, n, err)
	}
	return nil
}
