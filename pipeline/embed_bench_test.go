package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// writeShortTexts writes n short rows (about 9 tokens each) to a CSV.
func writeShortTexts(b *testing.B, dir string, n int) string {
	b.Helper()
	var buf bytes.Buffer
	buf.WriteString("id,text\n")
	for i := range n {
		fmt.Fprintf(&buf, "%d,short text %d about item %d\n", i, i, i%977)
	}
	path := filepath.Join(dir, fmt.Sprintf("short-%d.csv", n))
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkEmbeddingsTPMBound embeds rows against a simulator whose TPM
// limit binds, on fake time, with the limit learned from its headers as
// in a real run or given (--tpm), and learned beside another user of the
// key taking 30 % of the limit: it reports the share used of the limit
// (of what the other user leaves), in the steady state, and of requests
// refused. The target: ≥ 95 % of the TPM limit, ≤ 0.5 % 429s.
func BenchmarkEmbeddingsTPMBound(b *testing.B) {
	const rows, tpm = 150_000, 300_000 // about 1.35M tokens: four and a half minutes at the limit
	for _, c := range []struct {
		given   bool
		foreign int64
	}{{false, 0}, {true, 0}, {false, tpm * 3 / 10}} {
		b.Run(fmt.Sprintf("tpm-given=%v/foreign=%d", c.given, c.foreign), func(b *testing.B) {
			benchTPMBound(b, rows, tpm, c.given, c.foreign)
		})
	}
}

func benchTPMBound(b *testing.B, rows int, tpm int64, given bool, foreign int64) {
	for b.Loop() {
		dir := b.TempDir()
		input := writeShortTexts(b, dir, rows)
		synctest.Test(&testing.T{}, func(*testing.T) {
			sim := simulator.New(simulator.Config{Seed: 1, TPM: tpm, ForeignTPM: foreign, Latency: 200 * time.Millisecond})
			e := &memEnv{sim: sim, dir: dir}
			job := embedJob(dir, input, 64)
			job.Outputs = job.Outputs[:1]
			job.IDColumn = ""
			rec := &sendLog{h: sim, sim: sim}
			opt := e.embedOpts(rec)
			if given {
				opt.Limits.TPM = float64(tpm)
			}
			start := time.Now()
			s, err := Run(context.Background(), job, opt)
			if err != nil || s.Stop != Completed {
				b.Fatalf("stop=%v err=%v %v", s.Stop, err, s.Err)
			}
			took := time.Since(start)
			st := sim.Stats()
			left := float64(tpm - foreign) // what the other user leaves
			b.ReportMetric(100*float64(st.PromptTokens)/took.Minutes()/left, "%TPM")
			b.ReportMetric(100*rec.steady()/left, "%TPM-steady")
			b.ReportMetric(100*float64(st.RateLimited)/float64(st.Requests), "%429")
			b.ReportMetric(float64(st.Requests), "requests")
			b.ReportMetric(took.Minutes(), "fake-min")
		})
	}
}

// BenchmarkEmbeddingsThroughput embeds short rows against an unlimited
// in-process simulator on the wall clock, packed (the default) and one
// row per request (--embed-batch 1), and reports rows per second: with no
// latency, what this machine can do, and with --simulate's default latency
// (20 ms and up to 30 ms more a request), where one row a request waits on
// the server as it would on the API. BATCHPROMPT_EMBED_ROWS sets the row
// count (default 20,000).
//
//	go test -run '^$' -bench EmbeddingsThroughput -benchtime 1x ./pipeline
func BenchmarkEmbeddingsThroughput(b *testing.B) {
	rows := 20_000
	if v := os.Getenv("BATCHPROMPT_EMBED_ROWS"); v != "" {
		fmt.Sscan(v, &rows)
	}
	for _, latency := range []time.Duration{0, 20 * time.Millisecond} {
		for _, batch := range []int{0, 1} {
			b.Run(fmt.Sprintf("latency=%v/embed-batch=%d", latency, batch), func(b *testing.B) {
				benchThroughput(b, rows, batch, simulator.Config{Seed: 1, Latency: latency, LatencyJitter: latency * 3 / 2})
			})
		}
	}
}

func benchThroughput(b *testing.B, rows, batch int, cfg simulator.Config) {
	dir := b.TempDir()
	input := writeShortTexts(b, dir, rows)
	for i := 0; b.Loop(); i++ {
		sim := simulator.New(cfg)
		e := &memEnv{sim: sim, dir: dir}
		job := embedJob(dir, input, 64)
		job.Outputs, job.IDColumn, job.EmbedBatch = job.Outputs[:1], "", batch
		job.State = filepath.Join(dir, fmt.Sprintf("state-%d.db", i))
		opt := e.embedOpts(sim)
		opt.HTTPClient = &http.Client{Transport: memTransport{sim}}
		start := time.Now()
		s, err := Run(context.Background(), job, opt)
		if err != nil || s.Stop != Completed {
			b.Fatalf("stop=%v err=%v %v", s.Stop, err, s.Err)
		}
		b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "rows/s")
	}
}

// sendLog records, after each request the simulator answers, the time and
// the tokens it has billed so far: the steady rate leaves out the run's
// first and last requests (the ramp-up and the partial tail).
type sendLog struct {
	h     http.Handler
	sim   *simulator.Server
	mu    sync.Mutex
	at    []time.Time
	total []int64
}

func (l *sendLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.h.ServeHTTP(w, r)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.at = append(l.at, time.Now())
	l.total = append(l.total, l.sim.Stats().PromptTokens)
}

// steady is the tokens per minute billed between the first and the
// second-to-last answered request.
func (l *sendLog) steady() float64 {
	n := len(l.at)
	if n < 3 {
		return 0
	}
	return float64(l.total[n-2]-l.total[0]) / l.at[n-2].Sub(l.at[0]).Minutes()
}
