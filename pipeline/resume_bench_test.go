package pipeline

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/internal/simulator"
	"github.com/batchprompt/batchprompt/readers"
)

// BenchmarkResumeFirstRequest measures, for a job whose state database
// already holds BENCH_RESUME_ROWS (default 1,000,000) answered rows, how
// long a rerun takes to send its first new request (one row appended at
// the end of the input). The target is under 5 s for 1,000,000 rows.
//
//	go test -run '^$' -bench ResumeFirstRequest -benchtime 1x ./pipeline/
func BenchmarkResumeFirstRequest(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("BENCH_RESUME_ROWS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	dir := b.TempDir()
	in := writeReviewsCSV(b, dir, n)
	job := Job{Input: in, Outputs: []string{filepath.Join(dir, "o.jsonl")}, Template: "Summarise: {{.text}}",
		Model: "gpt-4o-mini", IDColumn: "id", State: filepath.Join(dir, "s.db")}

	// Fill the state database as a finished run would, without the HTTP
	// round trips: the same keys and request hashes.
	setup := time.Now()
	if err := seedState(job, n); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d answered rows in %v", n, time.Since(setup).Round(time.Millisecond))

	// Append one new row: the rerun must reach it after reusing every other.
	f, _ := os.OpenFile(in, os.O_APPEND|os.O_WRONLY, 0)
	fmt.Fprintf(f, "id-new,a new row\n")
	f.Close()

	sim := simulator.New(simulator.Config{})
	var once sync.Once
	var first time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { first = time.Now() })
		sim.ServeHTTP(w, r)
	}))
	defer srv.Close()
	b.ResetTimer()
	start := time.Now()
	s, err := Run(context.Background(), job, Options{Endpoint: Endpoint{BaseURL: srv.URL + "/v1"}})
	total := time.Since(start)
	b.StopTimer()
	if err != nil || s.Stop != Completed || s.Reused != int64(n) || s.Requests != 1 {
		b.Fatalf("stop=%v reused=%d requests=%d err=%v %v", s.Stop, s.Reused, s.Requests, s.Err, err)
	}
	b.ReportMetric(first.Sub(start).Seconds(), "s-to-first-request")
	b.ReportMetric(total.Seconds(), "s-total")
	b.ReportMetric(float64(n)/first.Sub(start).Seconds(), "reused-rows/s")
}

// seedState commits every row of job's input as answered.
func seedState(job Job, n int) error {
	ctx := context.Background()
	db, err := checkpoint.Open(ctx, job.State)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.SetFingerprint(ctx, job.Fingerprint()); err != nil {
		return err
	}
	if _, err := db.BeginRun(ctx); err != nil {
		return err
	}
	r, err := request.New(job.requestConfig(false, nil))
	if err != nil {
		return err
	}
	in, err := readers.Open(job.Input, readers.Options{})
	if err != nil {
		return err
	}
	defer in.Close()
	batch := make([]checkpoint.Row, 0, 5000)
	cost := 0.0001
	for seq := int64(0); seq < int64(n); seq++ {
		rec, err := in.Next(ctx)
		if err != nil {
			return err
		}
		p := r.Render(rec, seq)
		batch = append(batch, checkpoint.Row{Key: p.Key, Seq: seq, RequestHash: p.Hash, Status: checkpoint.StatusOK,
			ID: p.ID, Output: "an answer of about this length, like a summary would be", Model: job.Model,
			PromptTokens: 20, CompletionTokens: 12, CostUSD: &cost, Attempts: 1, Position: p.Pos.String()})
		if len(batch) == cap(batch) {
			if err := db.Commit(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return db.Commit(ctx, batch)
}

// BenchmarkExportParquet measures writing outputs from the state database
// (BENCH_EXPORT_ROWS answered rows, default 200,000) to Parquet and JSONL.
//
//	go test -run '^$' -bench ExportParquet -benchtime 1x ./pipeline/
func BenchmarkExportParquet(b *testing.B) {
	n := 200_000
	if v := os.Getenv("BENCH_EXPORT_ROWS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	dir := b.TempDir()
	in := writeReviewsCSV(b, dir, n)
	job := Job{Input: in, Template: "Summarise: {{.text}}", Model: "gpt-4o-mini", IDColumn: "id", State: filepath.Join(dir, "s.db")}
	if err := seedState(job, n); err != nil {
		b.Fatal(err)
	}
	db, err := checkpoint.Open(context.Background(), job.State)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, ext := range []string{"parquet", "jsonl"} {
		out := filepath.Join(dir, "out."+ext)
		start := time.Now()
		if err := WriteOutputs(context.Background(), db, []string{out}, job.Schema()); err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		b.ReportMetric(float64(n)/el.Seconds(), ext+"-rows/s")
	}
}

// writeReviewsCSV writes an id,text CSV of n short reviews.
func writeReviewsCSV(b *testing.B, dir string, n int) string {
	b.Helper()
	in := filepath.Join(dir, "in.csv")
	f, err := os.Create(in)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("id,text\n")
	for i := range n {
		fmt.Fprintf(w, "id-%07d,review number %d: the kettle works well but is loud\n", i, i)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return in
}
