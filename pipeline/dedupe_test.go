package pipeline

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/simulator"
)

// writeRepeats writes n rows of which only the first distinct have their
// own text: row i asks what row i%distinct asks, so n-distinct rows
// repeat an earlier one (spread through the input, not adjacent).
func writeRepeats(t *testing.T, dir string, n, distinct int) string {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"id", "text"})
	for i := range n {
		w.Write([]string{fmt.Sprintf("id-%05d", i), fmt.Sprintf("question %d: %s", i%distinct, messy(i%distinct))})
	}
	w.Flush()
	path := filepath.Join(dir, "repeats.csv")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// dedupeJob is a job over writeRepeats' input whose prompt is the text
// alone, so repeated texts are byte-identical requests; name keeps each
// job's outputs and state apart.
func dedupeJob(e *memEnv, input, name string) Job {
	j := e.job(input)
	j.Template, j.Keep = "{{.text}}", nil
	j.Outputs = []string{filepath.Join(e.dir, name+".jsonl")}
	j.State = filepath.Join(e.dir, name+".state.db")
	return j
}

// checkAnswers checks every row of out answers its own question (the
// simulator quotes the prompt), and counts rows by served_from; a copy
// must have cost 0 and the same output as its first occurrence.
func checkAnswers(t *testing.T, out string, n, distinct int) map[string]int {
	t.Helper()
	rows := readJSONL(t, out)
	if len(rows) != n {
		t.Fatalf("%s: %d rows, want %d", out, len(rows), n)
	}
	from := map[string]int{}
	for i, r := range rows {
		src, _ := r["served_from"].(string)
		from[src]++
		q := fmt.Sprintf("question %d", i%distinct)
		if out, _ := r["output"].(string); !strings.Contains(out, q) || r["id"] != fmt.Sprintf("id-%05d", i) {
			t.Fatalf("row %d (%s): output %q does not answer %q", i, src, out, q)
		}
		if i >= distinct && r["output"] != rows[i%distinct]["output"] {
			t.Fatalf("row %d: output differs from row %d's, which asked the same", i, i%distinct)
		}
		if c, _ := r["cost_usd"].(float64); src != "api" && c != 0 {
			t.Fatalf("row %d served from %s costs %v, want 0", i, src, c)
		}
	}
	return from
}

// 30 % of the rows repeat another: requests sent == distinct requests,
// and every row has its own answer.
func TestDedupeSendsEachDistinctRequestOnce(t *testing.T) {
	inBubble(t, simulator.Config{Seed: 1, Latency: 30 * time.Millisecond}, func(t *testing.T, e *memEnv) {
		const n, distinct = 300, 210
		job := dedupeJob(e, writeRepeats(t, e.dir, n, distinct), "a")
		s, err := Run(context.Background(), job, e.opts())
		if err != nil || s.Stop != Completed {
			t.Fatalf("stop=%v err=%v %v", s.Stop, err, s.Err)
		}
		if got := e.sim.Stats().Requests; got != distinct {
			t.Errorf("%d requests sent, want %d (one per distinct request)", got, distinct)
		}
		from := checkAnswers(t, job.Outputs[0], n, distinct)
		if from["api"] != distinct || from["duplicate"] != n-distinct {
			t.Errorf("served_from counts %v, want %d api and %d duplicate", from, distinct, n-distinct)
		}
		if s.Saved.Duplicates != n-distinct || s.Saved.SavedUSD <= 0 || s.Requests != distinct {
			t.Errorf("summary saved %+v after %d requests", s.Saved, s.Requests)
		}

		// --no-dedupe sends every row.
		e.sim = simulator.New(simulator.Config{Seed: 1})
		job = dedupeJob(e, job.Input, "nodedupe")
		opt := e.opts()
		opt.NoDedupe = true
		if s, err := Run(context.Background(), job, opt); err != nil || s.Stop != Completed {
			t.Fatalf("--no-dedupe: stop=%v err=%v", s.Stop, err)
		}
		if got := e.sim.Stats().Requests; got != n {
			t.Errorf("--no-dedupe sent %d requests, want %d", got, n)
		}
	})
}

// A second job with another state database and the same cache sends
// nothing; a changed parameter sends again.
func TestCacheAnswersAcrossJobs(t *testing.T) {
	inBubble(t, simulator.Config{Seed: 2, Latency: 10 * time.Millisecond}, func(t *testing.T, e *memEnv) {
		const n, distinct = 100, 70
		input := writeRepeats(t, e.dir, n, distinct)
		opt := e.opts()
		opt.Cache = filepath.Join(e.dir, "cache.db")
		if s, err := Run(context.Background(), dedupeJob(e, input, "first"), opt); err != nil || s.Stop != Completed {
			t.Fatalf("first: stop=%v err=%v", s.Stop, err)
		}
		sent := e.sim.Stats().Requests
		if sent != distinct {
			t.Fatalf("first job sent %d, want %d", sent, distinct)
		}

		job := dedupeJob(e, input, "second")
		s, err := Run(context.Background(), job, opt)
		if err != nil || s.Stop != Completed {
			t.Fatalf("second: stop=%v err=%v", s.Stop, err)
		}
		if got := e.sim.Stats().Requests - sent; got != 0 || s.Requests != 0 {
			t.Errorf("the second job sent %d requests, want 0", got)
		}
		from := checkAnswers(t, job.Outputs[0], n, distinct)
		if from["cache"] != distinct || from["duplicate"] != n-distinct {
			t.Errorf("served_from counts %v, want %d cache and %d duplicate", from, distinct, n-distinct)
		}
		if s.Saved.CacheHits != distinct || s.SpentUSD != 0 {
			t.Errorf("summary: saved %+v, spent %v", s.Saved, s.SpentUSD)
		}

		job = dedupeJob(e, input, "warmer")
		temp := 0.5
		job.Params.Temperature = &temp
		if s, err := Run(context.Background(), job, opt); err != nil || s.Stop != Completed {
			t.Fatalf("changed parameter: stop=%v err=%v", s.Stop, err)
		}
		if got := e.sim.Stats().Requests - sent; got != distinct {
			t.Errorf("a changed temperature sent %d requests, want %d", got, distinct)
		}
	})
}

// A crash between a paid answer and its copies leaves the copies pending
// in the state database; the next run finds the answer there by hash and
// sends nothing. Here the crash is made by hand: after a full run, the
// duplicates are put back to pending.
func TestDedupeResumeCopiesFromTheStateDatabase(t *testing.T) {
	inBubble(t, simulator.Config{Seed: 3}, func(t *testing.T, e *memEnv) {
		const n, distinct = 60, 40
		job := dedupeJob(e, writeRepeats(t, e.dir, n, distinct), "resume")
		if s, err := Run(context.Background(), job, e.opts()); err != nil || s.Stop != Completed {
			t.Fatalf("stop=%v err=%v", s.Stop, err)
		}
		ctx := context.Background()
		db, err := checkpoint.Open(ctx, job.State)
		if err != nil {
			t.Fatal(err)
		}
		var pending []checkpoint.Row
		must(t, db.Rows(ctx, func(r checkpoint.Row) error {
			if r.ServedFrom == checkpoint.FromDuplicate {
				pending = append(pending, checkpoint.Row{Key: r.Key, Seq: r.Seq, RequestHash: r.RequestHash,
					Status: checkpoint.StatusPending, ID: r.ID, Error: "not answered yet", ErrorKind: "pending", Position: r.Position})
			}
			return nil
		}))
		must(t, db.Commit(ctx, pending))
		must(t, db.Close())
		if len(pending) != n-distinct {
			t.Fatalf("%d duplicates stored, want %d", len(pending), n-distinct)
		}

		sent := e.sim.Stats().Requests
		s, err := Run(ctx, job, e.opts())
		if err != nil || s.Stop != Completed {
			t.Fatalf("resume: stop=%v err=%v", s.Stop, err)
		}
		if got := e.sim.Stats().Requests - sent; got != 0 {
			t.Errorf("the resume sent %d requests, want 0", got)
		}
		checkAnswers(t, job.Outputs[0], n, distinct)
	})
}

// Two jobs sharing one cache at once (two Runs in goroutines, separate
// state databases: processes are too slow to start in a bubble) both
// produce correct outputs, and between them send each distinct request at
// most twice: a request is sent by both only when each looked it up
// before the other's answer reached the cache.
func TestCacheSharedByTwoJobsAtOnce(t *testing.T) {
	inBubble(t, simulator.Config{Seed: 4, Latency: 50 * time.Millisecond}, func(t *testing.T, e *memEnv) {
		const n, distinct = 400, 280
		input := writeRepeats(t, e.dir, n, distinct)
		opt := e.opts()
		opt.Cache = filepath.Join(e.dir, "shared.db")
		opt.Concurrency = 4
		var wg sync.WaitGroup
		for _, name := range []string{"one", "two"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				job := dedupeJob(e, input, name)
				s, err := Run(context.Background(), job, opt)
				if err != nil || s.Stop != Completed {
					t.Errorf("%s: stop=%v err=%v", name, s.Stop, err)
					return
				}
				checkAnswers(t, job.Outputs[0], n, distinct)
			}()
		}
		wg.Wait()
		got := e.sim.Stats().Requests
		if got < distinct || got > 2*distinct {
			t.Errorf("%d requests between the two jobs, want %d to %d", got, distinct, 2*distinct)
		}
		t.Logf("two jobs at once sent %d requests for %d distinct", got, distinct)
	})
}

// estimate counts what run would not send: duplicates, and (given the
// cache) the rows it answers; only the rest are priced as requests.
func TestEstimateCountsDuplicatesAndCacheHits(t *testing.T) {
	inBubble(t, simulator.Config{Seed: 5}, func(t *testing.T, e *memEnv) {
		const n, distinct, first = 100, 70, 50
		ctx := context.Background()
		job := dedupeJob(e, writeRepeats(t, e.dir, n, distinct), "est")
		rep, err := Estimate(ctx, job, EstimateOptions{Dedupe: true})
		must(t, err)
		if rep.Duplicates != n-distinct || rep.Requests != distinct || rep.CacheHits != 0 {
			t.Errorf("estimate: %d duplicates, %d requests, %d cache hits; want %d, %d, 0", rep.Duplicates, rep.Requests, rep.CacheHits, n-distinct, distinct)
		}
		billed := rep.PromptTokens.Billed

		opt := e.opts()
		opt.Cache = filepath.Join(e.dir, "est.cache.db")
		trial := job
		trial.Limit = first // rows 0..49: 50 distinct requests into the cache
		if s, err := Run(ctx, trial, opt); err != nil || s.Stop != Completed {
			t.Fatalf("trial: stop=%v err=%v", s.Stop, err)
		}
		cached, done, err := CacheLookup(ctx, opt.Cache, opt.Endpoint, false)
		must(t, err)
		defer done()
		rep, err = Estimate(ctx, job, EstimateOptions{Dedupe: true, Cached: cached})
		must(t, err)
		if rep.CacheHits != first || rep.Duplicates != n-distinct || rep.Requests != distinct-first {
			t.Errorf("estimate with the cache: %d cache hits, %d duplicates, %d requests; want %d, %d, %d",
				rep.CacheHits, rep.Duplicates, rep.Requests, first, n-distinct, distinct-first)
		}
		if rep.PromptTokens.Billed >= billed || rep.Cost == nil {
			t.Errorf("billed prompt tokens %d with the cache, %d without: the hits are still priced", rep.PromptTokens.Billed, billed)
		}

		// Without dedupe every row is a request (or a hit).
		rep, err = Estimate(ctx, job, EstimateOptions{})
		must(t, err)
		if rep.Requests != n || rep.Duplicates != 0 {
			t.Errorf("no dedupe: %d requests, %d duplicates; want %d, 0", rep.Requests, rep.Duplicates, n)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
