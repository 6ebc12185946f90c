package checkpoint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// stateRows returns the claim a run commits before sending row i (pending,
// with the "not answered" message) and the answer that replaces it. Keys
// are "id:" and an id column's value, or "<file>#<row>" (and the ID the
// row number) when byPosition, as the pipeline makes them; Position holds the input's path, as it does there.
func stateRows(input string, i int, byPosition bool, cost *float64) (claim, answer Row) {
	id := fmt.Sprintf("id-%07d", i)
	key := "id:" + id
	if byPosition {
		key, id = input+"#"+strconv.Itoa(i), strconv.Itoa(i)
	}
	claim = Row{
		Key: key, Seq: int64(i), RequestHash: fmt.Sprintf("%032x", uint64(i)*0x9e3779b97f4a7c15),
		Status: StatusPending, ID: id, Error: "not answered yet: rerun the same command to resume",
		ErrorKind: "pending", Position: input + ":" + strconv.Itoa(i+2),
	}
	answer = claim
	answer.Status, answer.Error, answer.ErrorKind = StatusOK, "", ""
	answer.Output, answer.FinishReason, answer.Model = "an answer of about this length, like a summary would be", "stop", "gpt-4o-mini"
	answer.PromptTokens, answer.CompletionTokens, answer.CostUSD = 20, 12, cost
	answer.LatencyMS, answer.Attempts, answer.RequestID = 340, 1, "req_"+strconv.Itoa(i)
	return claim, answer
}

// BenchmarkStateSize fills a state database as a run of BENCH_STATE_ROWS
// (default 1,000,000) rows does (each batch of 128 claimed as pending,
// then answered), then reports its size per row and how fast resume reads
// it back: the pipeline's merge scans AtSeq in batches of 128 positions,
// and finds rows that moved with Lookup.
//
//	go test -run '^$' -bench StateSize -benchtime 1x ./checkpoint/
func BenchmarkStateSize(b *testing.B) {
	for _, byPosition := range []bool{false, true} {
		name := "keys=id"
		if byPosition {
			name = "keys=position"
		}
		b.Run(name, func(b *testing.B) { benchStateSize(b, byPosition) })
	}
}

func benchStateSize(b *testing.B, byPosition bool) {
	n := 1_000_000
	if v := os.Getenv("BENCH_STATE_ROWS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	ctx := context.Background()
	dir := b.TempDir()
	input := filepath.Join(dir, "reviews.csv")
	path := filepath.Join(dir, "job.state.db")
	db, err := Open(ctx, path)
	must(b, err)
	_, err = db.BeginRun(ctx)
	must(b, err)
	cost := 0.0001
	start := time.Now()
	claims, answers := make([]Row, 0, 128), make([]Row, 0, 128)
	keys := make([]string, 0, n/1000)
	for i := range n {
		c, a := stateRows(input, i, byPosition, &cost)
		claims, answers = append(claims, c), append(answers, a)
		if i%1000 == 0 {
			keys = append(keys, c.Key)
		}
		if len(claims) == cap(claims) || i == n-1 {
			must(b, db.Commit(ctx, claims))
			must(b, db.Commit(ctx, answers))
			claims, answers = claims[:0], answers[:0]
		}
	}
	fillTook := time.Since(start)
	logSpace(b, db)
	must(b, db.Close())
	fi, err := os.Stat(path)
	must(b, err)

	db, err = Open(ctx, path)
	must(b, err)
	defer db.Close()
	var scanTook, lookupTook time.Duration
	for b.Loop() {
		start = time.Now()
		seen := 0
		for from := int64(0); from < int64(n); from += 128 {
			pl, err := db.AtSeq(ctx, from, from+128)
			must(b, err)
			seen += len(pl)
		}
		scanTook = time.Since(start)
		if seen != n {
			b.Fatalf("AtSeq saw %d rows, want %d", seen, n)
		}
		start = time.Now()
		for k := keys; len(k) > 0; k = k[min(len(k), 128):] { // as if 0.1% of the rows moved
			found, err := db.Lookup(ctx, k[:min(len(k), 128)])
			must(b, err)
			if len(found) != min(len(k), 128) {
				b.Fatalf("Lookup found %d of %d keys", len(found), min(len(k), 128))
			}
		}
		lookupTook = time.Since(start)
	}
	b.ReportMetric(float64(fi.Size())/float64(n), "bytes/row")
	b.ReportMetric(float64(n)/fillTook.Seconds(), "fill-rows/s")
	b.ReportMetric(float64(n)/scanTook.Seconds(), "resume-scan-rows/s")
	b.ReportMetric(float64(len(keys))/lookupTook.Seconds(), "lookup-keys/s")
}

// logSpace logs the bytes each table and index takes, when the SQLite
// build has the dbstat table; it is diagnostic only.
func logSpace(b *testing.B, db *DB) {
	rows, err := db.r.Query("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")
	if err != nil {
		b.Logf("no dbstat: %v", err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var size int64
		if rows.Scan(&name, &size) == nil {
			b.Logf("%-24s %12d bytes", name, size)
		}
	}
}
