package checkpoint

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// benchRow is a typical result: 1 KB of output, two kept columns.
func benchRow(i int, output string) Row {
	r := okRow(fmt.Sprintf("in.csv#%d", i), int64(i))
	r.RequestHash = fmt.Sprintf("%064x", i)
	r.Output = output
	return r
}

// fill commits n rows in batches of 10,000 and returns how long it took.
func fill(b *testing.B, db *DB, n int, output string) time.Duration {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	batch := make([]Row, 0, 10000)
	for i := range n {
		batch = append(batch, benchRow(i, output))
		if len(batch) == cap(batch) || i == n-1 {
			must(b, db.Commit(ctx, batch))
			batch = batch[:0]
		}
	}
	return time.Since(start)
}

// BenchmarkCommitter1KB measures rows/s through the Committer with its
// default options, from Add to durable (the final Close is included).
func BenchmarkCommitter1KB(b *testing.B) {
	ctx := context.Background()
	db := openTemp(b)
	c := NewCommitter(db, CommitterOptions{})
	out := strings.Repeat("x", 1024)
	start := time.Now()
	i := 0
	for b.Loop() {
		if err := c.Add(ctx, benchRow(i, out)); err != nil {
			b.Fatal(err)
		}
		i++
	}
	must(b, c.Close(ctx)) // commits the rest
	b.ReportMetric(float64(i)/time.Since(start).Seconds(), "rows/s")
}

// BenchmarkCommitBatch measures DB.Commit of 500-row batches directly.
func BenchmarkCommitBatch500x1KB(b *testing.B) {
	ctx := context.Background()
	db := openTemp(b)
	out := strings.Repeat("x", 1024)
	batch := make([]Row, 500)
	n := 0
	for b.Loop() {
		for j := range batch {
			batch[j] = benchRow(n, out)
			n++
		}
		must(b, db.Commit(ctx, batch))
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkRows100K measures the ordered export of 100,000 rows of 1 KB outputs.
func BenchmarkRows100K(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	db := openTemp(b)
	fill(b, db, n, strings.Repeat("x", 1024))
	scans := 0
	for b.Loop() {
		count := 0
		must(b, db.Rows(ctx, func(Row) error { count++; return nil }))
		if count != n {
			b.Fatalf("Rows yielded %d rows, want %d", count, n)
		}
		scans++
	}
	b.ReportMetric(float64(scans*n)/b.Elapsed().Seconds(), "rows/s")
	b.SetBytes(n * 1024)
}
