package pipeline

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"strings"
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
		opt := batchOpts(e)
		opt.batchLimits.MaxRequests = 120 // three input files, as 50,000 requests a file makes of 120,000
		s, err := Run(context.Background(), job, opt)
		if err != nil {
			t.Fatal(err)
		}
		if s.Stop != Completed || s.OK != n {
			t.Fatalf("stop=%v err=%v ok=%d failed=%d kinds=%+v", s.Stop, s.Err, s.OK, s.Failed, s.ErrorKinds)
		}
		checkOnce(t, e, job, n)
		st := e.sim.BatchStats()
		t.Logf("%+v; %+v; took %v of fake time", st, s.Batch, s.Finished.Sub(s.Started))
		if st.LinesExpired == 0 || st.LinesFailed == 0 || s.Batch.Submitted < 4 {
			t.Fatalf("want expired and failed lines resubmitted: %+v, %d batches", st, s.Batch.Submitted)
		}
		price, _ := batchTestPrice()
		if want := price.BatchCost(usageOf(s)); !near(s.CostUSD, want) {
			t.Fatalf("cost $%.8f, want $%.8f at Batch API rates", s.CostUSD, want)
		}
		if st.FilesCreated != int64(s.Batch.Submitted) || st.FilesDeleted != st.FilesCreated {
			t.Fatalf("%d files uploaded and %d deleted for %d batches", st.FilesCreated, st.FilesDeleted, s.Batch.Submitted)
		}
	})
}

// A batch that never finishes is cancelled at the finish-sync deadline;
// what it answered is kept (at batch prices) and the rest is answered
// synchronously, so the job completes.
func TestBatchAPIFinishSyncAnswersTheTail(t *testing.T) {
	cfg := simulator.Config{Seed: 4, Batch: simulator.BatchConfig{
		Fate: func(int) simulator.BatchFate { return simulator.FateNeverFinish }}.WithLifecycle(20 * time.Second)}
	inBubble(t, cfg, func(t *testing.T, e *memEnv) {
		const n = 200
		job := e.job(writeCSV(t, e.dir, n))
		job.BatchAPI = true
		opt := batchOpts(e)
		opt.BatchFinishSync = time.Minute
		s, err := Run(context.Background(), job, opt)
		if err != nil {
			t.Fatal(err)
		}
		if s.Stop != Completed || s.OK != n {
			t.Fatalf("stop=%v err=%v ok=%d kinds=%+v", s.Stop, s.Err, s.OK, s.ErrorKinds)
		}
		st := e.sim.BatchStats()
		if st.BatchesCancelled != 1 || s.Batch.SyncRows == 0 || s.Batch.BatchRows == 0 || s.Batch.SyncRows+s.Batch.BatchRows != n {
			t.Fatalf("want a cancelled batch, rows both ways: %+v, %+v", st, s.Batch)
		}
		if s.Requests != s.Batch.SyncRows {
			t.Fatalf("%d synchronous requests for %d tail rows", s.Requests, s.Batch.SyncRows)
		}
		if st.LinesBilled != s.Batch.BatchRows || st.BilledTwice != 0 {
			t.Fatalf("billed %d batch lines for %d batch rows", st.LinesBilled, s.Batch.BatchRows)
		}
		if got := len(readJSONL(t, job.Outputs[0])); got != n {
			t.Fatalf("%d output rows, want %d", got, n)
		}
	})
}

// --detach submits and stops with Submitted (exit 6) at once; the next
// run, detached or not, collects.
func TestBatchAPIDetachThenCollect(t *testing.T) {
	cfg := simulator.Config{Seed: 5, Batch: simulator.BatchConfig{}.WithLifecycle(time.Hour)}
	inBubble(t, cfg, func(t *testing.T, e *memEnv) {
		const n = 100
		job := e.job(writeCSV(t, e.dir, n))
		job.BatchAPI = true
		opt := batchOpts(e)
		opt.Detach = true
		s, err := Run(context.Background(), job, opt)
		if err != nil {
			t.Fatal(err)
		}
		if s.Stop != Submitted || s.Done != 0 || s.Batch.Submitted != 1 {
			t.Fatalf("detached run: stop=%v done=%d %+v, want Submitted with nothing done", s.Stop, s.Done, s.Batch)
		}
		st, err := ReadStatus(context.Background(), job.State)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Batches) != 1 || st.Batches[0].Requests != n || st.Batches[0].ID == "" || st.Pending != n {
			t.Fatalf("status shows batches %+v and %d pending, want one batch of %d", st.Batches, st.Pending, n)
		}
		// Rerun detached before the batch is done: nothing new is sent.
		s, _ = Run(context.Background(), job, opt)
		if s.Stop != Submitted || s.Batch.Submitted != 0 {
			t.Fatalf("second detached run: stop=%v %+v, want Submitted and no new batch", s.Stop, s.Batch)
		}
		time.Sleep(2 * time.Hour) // fake time: the batch completes
		s, _ = Run(context.Background(), job, opt)
		if s.Stop != Completed || s.OK != n || s.Batch.Submitted != 0 {
			t.Fatalf("collecting run: stop=%v err=%v ok=%d %+v", s.Stop, s.Err, s.OK, s.Batch)
		}
		checkOnce(t, e, job, n)
		if st := e.sim.BatchStats(); st.FilesCreated != 1 || st.BatchesCreated != 1 {
			t.Fatalf("%+v, want one file and one batch", st)
		}
	})
}

// cancel cancels the live batch and commits what it answered; the rest
// stays pending, and a later run submits only that.
func TestBatchAPICancelCollectsPartialResults(t *testing.T) {
	cfg := simulator.Config{Seed: 6, Batch: simulator.BatchConfig{}.WithLifecycle(time.Hour)}
	inBubble(t, cfg, func(t *testing.T, e *memEnv) {
		const n = 100
		job := e.job(writeCSV(t, e.dir, n))
		job.BatchAPI = true
		opt := batchOpts(e)
		opt.Detach = true
		if s, _ := Run(context.Background(), job, opt); s.Stop != Submitted {
			t.Fatalf("stop=%v err=%v", s.Stop, s.Err)
		}
		time.Sleep(30 * time.Minute) // about half the lines are answered
		opt.Detach, opt.BatchCancel = false, true
		s, _ := Run(context.Background(), job, opt)
		if s.Stop != Interrupted || s.OK == 0 || s.OK == n {
			t.Fatalf("cancel: stop=%v ok=%d, want some rows answered and the rest pending", s.Stop, s.OK)
		}
		partial := s.OK
		if st := e.sim.BatchStats(); st.BatchesCancelled != 1 || st.LinesBilled != partial {
			t.Fatalf("%+v, want one cancelled batch billing the %d rows kept", st, partial)
		}
		opt.BatchCancel = false
		s, _ = Run(context.Background(), job, opt)
		if s.Stop != Completed || s.Reused != partial || s.OK != n {
			t.Fatalf("rerun: stop=%v err=%v ok=%d reused=%d", s.Stop, s.Err, s.OK, s.Reused)
		}
		checkOnce(t, e, job, n)
	})
}

// 120,000 rows make three input files (50,000 requests at most each); a
// batch that expires partway and failed lines are resubmitted, and every
// row is answered once, in input order.
func TestBatchAPI120kRows(t *testing.T) {
	if os.Getenv("BATCHPROMPT_TEST_120K") == "" {
		t.Skip("120,000 rows take minutes with the simulator in process: set BATCHPROMPT_TEST_120K=1")
	}
	cfg := simulator.Config{Seed: 8, Batch: simulator.BatchConfig{FailShare: 0.002,
		Fate: func(n int) simulator.BatchFate {
			if n == 2 {
				return simulator.FateExpire
			}
			return simulator.FateComplete
		}}.WithLifecycle(time.Minute)}
	inBubble(t, cfg, func(t *testing.T, e *memEnv) {
		const n = 120_000
		job := e.job(writeCSV(t, e.dir, n))
		job.BatchAPI = true
		job.Outputs = job.Outputs[:1]
		opt := batchOpts(e)
		opt.BatchRounds = 5
		s, err := Run(context.Background(), job, opt)
		if err != nil {
			t.Fatal(err)
		}
		if s.Stop != Completed || s.OK != n {
			t.Fatalf("stop=%v err=%v ok=%d kinds=%+v", s.Stop, s.Err, s.OK, s.ErrorKinds)
		}
		checkOnce(t, e, job, n)
		st := e.sim.BatchStats()
		t.Logf("%+v; %+v", st, s.Batch)
		if s.Batch.Submitted < 4 || st.LinesExpired == 0 {
			t.Fatalf("%d batches, %d lines expired: want 3 first-round files and resubmissions", s.Batch.Submitted, st.LinesExpired)
		}
	})
}

// The enqueued-token limit is a wait, not an error: given, files are cut
// to fit it and submitted as batches finish; not given, the refusal
// teaches it and the refused rows go again without losing a round.
func TestBatchAPIQueueLimitIsAWait(t *testing.T) {
	for _, given := range []bool{true, false} {
		t.Run(fmt.Sprintf("given=%v", given), func(t *testing.T) {
			cfg := simulator.Config{Seed: 9, Batch: simulator.BatchConfig{EnqueuedTokens: 2500}.WithLifecycle(20 * time.Second)}
			inBubble(t, cfg, func(t *testing.T, e *memEnv) {
				const n = 200 // about 23 prompt tokens a row: two files' worth of the limit
				job := e.job(writeCSV(t, e.dir, n))
				job.BatchAPI = true
				opt := batchOpts(e)
				opt.BatchRounds = 1
				if given {
					opt.BatchQueueTokens = 2500
				}
				s, err := Run(context.Background(), job, opt)
				if err != nil {
					t.Fatal(err)
				}
				if s.Stop != Completed || s.OK != n {
					t.Fatalf("stop=%v err=%v ok=%d kinds=%+v", s.Stop, s.Err, s.OK, s.ErrorKinds)
				}
				checkOnce(t, e, job, n)
				if s.Batch.Submitted < 2 {
					t.Fatalf("%d batches: want the job cut to fit the limit", s.Batch.Submitted)
				}
			})
		})
	}
}

// --max-cost reserves each input file's worst case at Batch API prices
// before it is uploaded: a cap below it uploads nothing; a cap above it
// completes the job.
func TestBatchAPIMaxCostReservesBeforeUpload(t *testing.T) {
	cfg := simulator.Config{Seed: 10, Batch: simulator.BatchConfig{}.WithLifecycle(10 * time.Second)}
	inBubble(t, cfg, func(t *testing.T, e *memEnv) {
		const n = 50
		job := e.job(writeCSV(t, e.dir, n))
		job.BatchAPI = true
		maxTok := int64(100)
		job.Params.MaxTokens = &maxTok
		price, _ := batchTestPrice()
		opt := batchOpts(e)
		opt.MaxCostUSD = price.BatchWorstCase(100, 100) // less than fifty rows' worst case
		s, err := Run(context.Background(), job, opt)
		if err != nil {
			t.Fatal(err)
		}
		if s.Stop != BudgetReached || e.sim.BatchStats().FilesCreated != 0 {
			t.Fatalf("stop=%v err=%v files=%d, want BudgetReached before any upload", s.Stop, s.Err, e.sim.BatchStats().FilesCreated)
		}
		opt.MaxCostUSD = 1
		s, err = Run(context.Background(), job, opt)
		if err != nil {
			t.Fatal(err)
		}
		if s.Stop != Completed || s.OK != n || s.SpentUSD > 1 {
			t.Fatalf("stop=%v err=%v ok=%d spent=%v", s.Stop, s.Err, s.OK, s.SpentUSD)
		}
	})
}

// A rerun books again what the batches still running may cost, so a cap
// that stopped the second file stops it again until the first is
// collected (and paid for what it really cost).
func TestBatchAPIMaxCostHoldsAcrossRuns(t *testing.T) {
	cfg := simulator.Config{Seed: 12, Batch: simulator.BatchConfig{}.WithLifecycle(time.Hour)}
	inBubble(t, cfg, func(t *testing.T, e *memEnv) {
		const n = 50
		job := e.job(writeCSV(t, e.dir, n))
		job.BatchAPI = true
		maxTok := int64(1000)
		job.Params.MaxTokens = &maxTok
		price, _ := batchTestPrice()
		opt := batchOpts(e)
		opt.batchLimits.MaxRequests = 25
		opt.Detach = true
		opt.MaxCostUSD = 1.5 * 25 * price.BatchWorstCase(40, maxTok) // one file's worst case, and a half
		for run := 1; run <= 2; run++ {
			s, err := Run(context.Background(), job, opt)
			if err != nil {
				t.Fatal(err)
			}
			if st := e.sim.BatchStats(); s.Stop != BudgetReached || st.FilesCreated != 1 {
				t.Fatalf("run %d: stop=%v err=%v, %d files: want the second file held back by the cap", run, s.Stop, s.Err, st.FilesCreated)
			}
		}
		time.Sleep(2 * time.Hour) // fake time: the first batch completes
		opt.Detach = false
		s, err := Run(context.Background(), job, opt)
		if err != nil {
			t.Fatal(err)
		}
		if s.Stop != Completed || s.OK != n {
			t.Fatalf("stop=%v err=%v ok=%d, want the rest submitted once the first batch was paid for", s.Stop, s.Err, s.OK)
		}
		checkOnce(t, e, job, n)
	})
}

// A row edited while its batch runs does not take the old body's answer:
// it goes to a new batch, and its output answers the edited prompt.
func TestBatchAPIEditedRowIsResubmitted(t *testing.T) {
	cfg := simulator.Config{Seed: 13, Batch: simulator.BatchConfig{}.WithLifecycle(time.Hour)}
	inBubble(t, cfg, func(t *testing.T, e *memEnv) {
		const n = 20
		in := writeCSV(t, e.dir, n)
		job := e.job(in)
		job.BatchAPI = true
		opt := batchOpts(e)
		opt.Detach = true
		if s, _ := Run(context.Background(), job, opt); s.Stop != Submitted {
			t.Fatalf("stop=%v err=%v", s.Stop, s.Err)
		}
		editCSV(t, in, 3, func(text string) string { return "EDITED " + text })
		time.Sleep(2 * time.Hour) // fake time: the first batch completes
		opt.Detach = false
		s, err := Run(context.Background(), job, opt)
		if err != nil {
			t.Fatal(err)
		}
		if s.Stop != Completed || s.OK != n || e.sim.BatchStats().BatchesCreated != 2 {
			t.Fatalf("stop=%v err=%v ok=%d %+v %+v: want the edited row in a second batch", s.Stop, s.Err, s.OK, e.sim.BatchStats(), s.ErrorKinds)
		}
		rows := readJSONL(t, job.Outputs[0])
		if out := fmt.Sprint(rows[3]["output"]); !strings.Contains(out, "EDITED") {
			t.Fatalf("row 3 answers %q, not the edited prompt", out)
		}
	})
}

// editCSV rewrites the text column of data row i of a writeCSV input.
func editCSV(t *testing.T, path string, i int, edit func(string) string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	recs[i+1][1] = edit(recs[i+1][1])
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.WriteAll(recs)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
