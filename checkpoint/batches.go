package checkpoint

import (
	"context"
	"database/sql"
	"fmt"
)

// batchesV3 holds what a Batch API run has asked the API to do, written
// before each call (the intent) and completed after it, so that a process
// killed between the two finds its work again instead of repeating it.
//
// batch_chunks is one input file and its batch. batch_rows says which
// chunk each row was last put in: its key is the row's key, so a row is in
// at most one chunk at a time, and moving it to a new chunk (a
// resubmission) replaces the old assignment in the same transaction that
// records the new chunk.
const batchesV3 = `
CREATE TABLE batch_chunks (
	chunk        INTEGER PRIMARY KEY,
	model        TEXT NOT NULL,
	round        INTEGER NOT NULL,
	requests     INTEGER NOT NULL,
	tokens       INTEGER NOT NULL,
	reserved_usd REAL NOT NULL,
	state        TEXT NOT NULL,
	file_id      TEXT NOT NULL,
	batch_id     TEXT NOT NULL,
	status       TEXT NOT NULL,
	completed    INTEGER NOT NULL,
	failed       INTEGER NOT NULL,
	submitted    INTEGER NOT NULL,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	error        TEXT NOT NULL
);

CREATE TABLE batch_rows (
	key   TEXT PRIMARY KEY NOT NULL,
	chunk INTEGER NOT NULL,
	tries INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX batch_rows_chunk ON batch_rows (chunk);
`

// Chunk states, in the order a chunk goes through them. Each is written
// before the call that leads out of it.
const (
	ChunkUploading = "uploading" // rows assigned; the file may or may not be uploaded
	ChunkUploaded  = "uploaded"  // FileID known; the batch may or may not be created
	ChunkLive      = "live"      // BatchID known; the batch has not ended
	ChunkEnded     = "ended"     // the batch ended (completed, failed, expired, cancelled)
	ChunkAbandoned = "abandoned" // never became a batch; its rows are free
)

// BatchChunk is one Batch API input file and the batch made from it, as
// the state database records it. Times are Unix seconds, 0 when unknown.
type BatchChunk struct {
	Chunk       int64 // the local number, also in the file's name and the batch's metadata
	Model       string
	Round       int // 1 for a row's first submission
	Requests    int
	Tokens      int64   // prompt tokens, for the enqueued-token limit
	ReservedUSD float64 // the worst case reserved against --max-cost
	State       string  // one of the Chunk* states
	FileID      string
	BatchID     string
	Status      string // the batch's status when last seen
	Completed   int
	Failed      int
	Submitted   int64 // when the chunk's intent was recorded
	CreatedAt   int64
	ExpiresAt   int64
	Error       string // why the batch failed, when it did
}

// BatchRow says which chunk a row was last put in and how many chunks
// have carried it.
type BatchRow struct {
	Chunk int64
	Tries int
}

// PlanChunk records a new chunk in state ChunkUploading and moves keys
// into it, each one's Tries counting one more chunk, in one transaction:
// the intent of an upload. It returns the chunk's number. c.Chunk is
// ignored.
func (db *DB) PlanChunk(ctx context.Context, c BatchChunk, keys []string) (int64, error) {
	var id int64
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO batch_chunks (model, round, requests, tokens, reserved_usd,
	state, file_id, batch_id, status, completed, failed, submitted, created_at, expires_at, error)
VALUES (?, ?, ?, ?, ?, ?, '', '', '', 0, 0, ?, 0, 0, '')`,
			c.Model, c.Round, len(keys), c.Tokens, c.ReservedUSD, ChunkUploading, c.Submitted)
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO batch_rows (key, chunk, tries) VALUES (?, ?, 1)
ON CONFLICT(key) DO UPDATE SET chunk = excluded.chunk, tries = batch_rows.tries + 1`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, k := range keys {
			if _, err := st.ExecContext(ctx, k, id); err != nil {
				return err
			}
		}
		return nil
	})
	return id, wrapErr(db.path, "plan batch chunk", err)
}

// UpdateChunk stores every field of c but Chunk, Model, Round, Requests,
// Tokens and Submitted, which PlanChunk fixed.
func (db *DB) UpdateChunk(ctx context.Context, c BatchChunk) error {
	_, err := db.w.ExecContext(ctx, `UPDATE batch_chunks SET reserved_usd = ?, state = ?, file_id = ?, batch_id = ?,
	status = ?, completed = ?, failed = ?, created_at = ?, expires_at = ?, error = ? WHERE chunk = ?`,
		c.ReservedUSD, c.State, c.FileID, c.BatchID, c.Status, c.Completed, c.Failed, c.CreatedAt, c.ExpiresAt,
		c.Error, c.Chunk)
	return wrapErr(db.path, fmt.Sprintf("update batch chunk %d", c.Chunk), err)
}

// Chunks returns every chunk recorded, oldest first.
func (db *DB) Chunks(ctx context.Context) ([]BatchChunk, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT chunk, model, round, requests, tokens, reserved_usd, state, file_id,
	batch_id, status, completed, failed, submitted, created_at, expires_at, error FROM batch_chunks ORDER BY chunk`)
	if err != nil {
		return nil, wrapErr(db.path, "read batch chunks", err)
	}
	defer rows.Close()
	var out []BatchChunk
	for rows.Next() {
		var c BatchChunk
		if err := rows.Scan(&c.Chunk, &c.Model, &c.Round, &c.Requests, &c.Tokens, &c.ReservedUSD, &c.State,
			&c.FileID, &c.BatchID, &c.Status, &c.Completed, &c.Failed, &c.Submitted, &c.CreatedAt, &c.ExpiresAt,
			&c.Error); err != nil {
			return nil, wrapErr(db.path, "read batch chunks", err)
		}
		out = append(out, c)
	}
	return out, wrapErr(db.path, "read batch chunks", rows.Err())
}

// BatchRows calls fn with every row that has been put in a chunk. It reads
// one pass over batch_rows; fn must not write to the database.
func (db *DB) BatchRows(ctx context.Context, fn func(key string, r BatchRow) error) error {
	rows, err := db.r.QueryContext(ctx, `SELECT key, chunk, tries FROM batch_rows`)
	if err != nil {
		return wrapErr(db.path, "read batch rows", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var r BatchRow
		if err := rows.Scan(&k, &r.Chunk, &r.Tries); err != nil {
			return wrapErr(db.path, "read batch rows", err)
		}
		if err := fn(k, r); err != nil {
			return err
		}
	}
	return wrapErr(db.path, "read batch rows", rows.Err())
}
