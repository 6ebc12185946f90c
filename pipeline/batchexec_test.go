package pipeline

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// batchOpts are memEnv options for a Batch API run polling every second
// of fake time.
func batchOpts(e *memEnv) Options {
	o := e.opts()
	o.BatchPollInterval = time.Second
	return o
}

// checkOnce checks every row of the output is there, once, in input
// order, answered, and that the simulator billed no request twice.
func checkOnce(t *testing.T, e *memEnv, job Job, n int) {
	t.Helper()
	rows := readJSONL(t, job.Outputs[0])
	if len(rows) != n {
		t.Fatalf("%d output rows, want %d", len(rows), n)
	}
	for i, row := range rows {
		if want := fmt.Sprintf("id-%05d", i); row["id"] != want {
			t.Fatalf("output row %d is %v, want %s (input order)", i, row["id"], want)
		}
		if row["error"] != nil && row["error"] != "" {
			t.Fatalf("row %d has an error: %v", i, row["error"])
		}
	}
	if st := e.sim.BatchStats(); st.BilledTwice != 0 || st.LinesBilled != int64(n) {
		t.Fatalf("simulator billed %d lines (%d twice), want %d once each: %+v", st.LinesBilled, st.BilledTwice, n, st)
	}
}

// Batches that expire partway and lines that fail in the first round are
// resubmitted; every row ends answered once, in input order, priced at
// Batch API rates.
func TestBatchAPIResubmitsExpiredAndFailed(t *testing.T) {
	cfg := simulator.Config{Seed: 3, Batch: simulator.BatchConfig{FailShare: 0.05,
		Fate: func(n int) simulator.BatchFate {
			if n == 1 {
				return simulator.FateExpire
			}
			return simulator.FateComplete
		}}.WithLifecycle(20 * time.Second)}
	inBubble(t, cfg, func(t *testing.T, e *memEnv) {
		const n = 300
		job := e.job(writeCSV(t, e.dir, n))
		job.BatchAPI = true
		s, err := Run(context.Background(), job, batchOpts(e))
		if err != nil {
			t.Fatal(err)
		}
		if s.Stop != Completed || s.OK != n {
			t.Fatalf("stop=%v err=%v ok=%d failed=%d kinds=%+v", s.Stop, s.Err, s.OK, s.Failed, s.ErrorKinds)
		}
		checkOnce(t, e, job, n)
		st := e.sim.BatchStats()
		t.Logf("%+v; %+v; took %v of fake time", st, s.Batch, s.Finished.Sub(s.Started))
		if st.LinesExpired == 0 || st.LinesFailed == 0 || s.Batch.Submitted < 2 {
			t.Fatalf("want expired and failed lines resubmitted: %+v, %d batches", st, s.Batch.Submitted)
		}
		price, _ := batchTestPrice()
		if want := price.BatchCost(usageOf(s)); !near(s.CostUSD, want) {
			t.Fatalf("cost $%.8f, want $%.8f at Batch API rates", s.CostUSD, want)
		}
		if st.FilesCreated != st.FilesDeleted+0 && st.FilesCreated != int64(s.Batch.Submitted) {
			t.Fatalf("files created %d for %d batches", st.FilesCreated, s.Batch.Submitted)
		}
	})
}
