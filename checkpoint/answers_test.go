package checkpoint

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/internal/sqlitefile"
)

// hexHash makes a 64-hex-digit hash (what the pipeline stores) from n.
func hexHash(n int) string { return fmt.Sprintf("%064x", n) }

func TestAnswersFindsOnlySuccessesByHash(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	a := okRow("a", 0)
	a.RequestHash = hexHash(1)
	copyOfA := okRow("a2", 1)
	copyOfA.RequestHash, copyOfA.ServedFrom, copyOfA.CostUSD = hexHash(1), FromDuplicate, fp64(0)
	failed := okRow("b", 2)
	failed.RequestHash, failed.Status, failed.Error, failed.ErrorKind = hexHash(2), StatusFailed, "HTTP 400", "http_400"
	pending := okRow("c", 3)
	pending.RequestHash, pending.Status = hexHash(3), StatusPending
	// Same first 8 bytes as hash 1, different after: must not match.
	near := okRow("d", 4)
	near.RequestHash = hexHash(1)[:16] + strings.Repeat("f", 48)
	text := okRow("e", 5)
	text.RequestHash = "not-hex-hash"
	must(t, db.Commit(ctx, []Row{a, copyOfA, failed, pending, near, text}))

	got, err := db.Answers(ctx, []string{hexHash(1), hexHash(2), hexHash(3), hexHash(9), "not-hex-hash", ""})
	must(t, err)
	if len(got) != 2 {
		t.Fatalf("Answers found %d hashes, want 2 (the answered hex one and the text one): %v", len(got), got)
	}
	if r := got[hexHash(1)]; r.Output != "out a" && r.Output != "out a2" {
		t.Errorf("answer for hash 1 = %q", r.Output)
	}
	if got["not-hex-hash"].Key != "e" {
		t.Errorf("text hash answered by %q, want e", got["not-hex-hash"].Key)
	}
}

func TestServedFromRoundTrips(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	var rows []Row
	for i, from := range []Source{FromAPI, FromDuplicate, FromCache} {
		r := okRow(fmt.Sprintf("k%d", i), int64(i))
		r.ServedFrom = from
		rows = append(rows, r)
	}
	must(t, db.Commit(ctx, rows))
	var got []string
	must(t, db.Rows(ctx, func(r Row) error {
		got = append(got, r.ServedFrom.String())
		return nil
	}))
	if join(got) != "api,duplicate,cache" {
		t.Errorf("served_from read back %v", got)
	}
}

// TestAnswersUsesTheIndex: dedupe asks for answers by hash on every batch
// of new rows; a full scan there would make a large job quadratic.
func TestAnswersUsesTheIndex(t *testing.T) {
	db := openTemp(t)
	var plan string
	rows, err := db.r.Query("EXPLAIN QUERY PLAN SELECT key FROM rows INDEXED BY rows_answer WHERE status = 1 AND substr(request_hash, 1, 8) IN (?, ?)", []byte("12345678"), []byte("abcdefgh"))
	must(t, err)
	defer rows.Close()
	for rows.Next() {
		var id, parent, unused int
		var detail string
		must(t, rows.Scan(&id, &parent, &unused, &detail))
		plan += detail + ";"
	}
	if !strings.Contains(plan, "rows_answer") {
		t.Errorf("plan %q does not use rows_answer", plan)
	}
}

// TestOpenMigratesV3ToV4 builds a schema-3 file by hand (schema 2's rows
// plus the Batch API's tables) and checks that opening it adds the
// column and the index, keeps its rows (served from the API), and that
// running the step again changes nothing.
func TestOpenMigratesV3ToV4(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v3.db")
	raw, err := sqlitefile.Writer(path, busyTimeout)
	must(t, err)
	_, err = raw.Exec(`CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE internal (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;` + namesV2 + rowsV2 + indexesV2 + batchesV3 + `
INSERT INTO names (id, name) VALUES (1, ''), (2, 'stop'), (3, 'm');
INSERT INTO rows (key, run, seq, updated, request_hash, status, id, kept, output, finish_reason, model,
	prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, cost_usd, latency_ms, attempts,
	error, error_kind, http_status, response_body, position_file, position, request_id)
VALUES ('row:1', 1, 0, 1, x'` + hexHash(7) + `', 1, 'x', NULL, 'old answer', 2, 3, 1, 1, 0, 0, 0.5, 1, 1, '', '', 200, NULL, NULL, 'in:2', '');
PRAGMA user_version = 3;`)
	must(t, err)
	must(t, raw.Close())

	db, err := Open(ctx, path)
	must(t, err)
	defer db.Close()
	got, err := db.Answers(ctx, []string{hexHash(7)})
	must(t, err)
	if r := got[hexHash(7)]; r.Output != "old answer" || r.ServedFrom != FromAPI {
		t.Errorf("migrated row = %+v", r)
	}
	if got, want := schemaOf(t, db), schemaOf(t, openTemp(t)); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("migrated schema differs from a new database's:\n got %v\nwant %v", got, want)
	}
	tx, err := db.w.BeginTx(ctx, nil)
	must(t, err)
	defer tx.Rollback()
	must(t, migrateAnswers(ctx, tx)) // idempotent: a second run adds nothing and fails nothing
}

func TestFlushesCountsCommits(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	tick := make(chan time.Time)
	c := NewCommitter(db, CommitterOptions{MaxRows: 2, After: func(time.Duration) <-chan time.Time { return tick }})
	if c.Flushes() != 0 {
		t.Fatalf("Flushes = %d before any commit", c.Flushes())
	}
	must(t, c.Add(ctx, okRow("a", 0)))
	k := c.Flushes()
	must(t, c.Add(ctx, okRow("b", 1))) // fills a batch: committed now
	must(t, c.Close(ctx))
	if c.Flushes() < k+1 {
		t.Errorf("Flushes = %d after the batch, want at least %d", c.Flushes(), k+1)
	}
	got, err := db.Answers(ctx, []string{"h-a", "h-b"})
	must(t, err)
	if len(got) != 2 {
		t.Errorf("%d of 2 rows visible after the flushes", len(got))
	}
}
