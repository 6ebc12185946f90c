package pipeline

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/batchprompt/batchprompt/internal/pace"
	"github.com/batchprompt/batchprompt/internal/simulator"
)

// These tests run the whole engine in a synctest bubble against the
// simulator in memory: time is fake, so minutes of backoff, pauses and
// timeouts pass in milliseconds and no result depends on the machine's
// speed. The loopback tests in run_test.go prove the real clock is wired.

func inBubble(t *testing.T, cfg simulator.Config, fn func(t *testing.T, e *memEnv)) {
	t.Helper()
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		fn(t, &memEnv{sim: simulator.New(cfg), dir: dir})
	})
}

// A request the server never answers ends at the per-request timeout and
// is retried; every row still gets its answer.
func TestRunSurvivesHangs(t *testing.T) {
	inBubble(t, simulator.Config{Seed: 5, Latency: 20 * time.Millisecond, Faults: simulator.Faults{Hang: 0.1}}, func(t *testing.T, e *memEnv) {
		const n = 200
		job := e.job(writeCSV(t, e.dir, n))
		opt := e.opts()
		opt.Endpoint.Timeout = 200 * time.Millisecond
		s, err := Run(context.Background(), job, opt)
		if err != nil {
			t.Fatal(err)
		}
		if s.Stop != Completed || s.OK != n || e.sim.Stats().Faults.Hang == 0 {
			t.Fatalf("stop=%v ok=%d hangs=%d kinds=%+v", s.Stop, s.OK, e.sim.Stats().Faults.Hang, s.ErrorKinds)
		}
		if got := len(readJSONL(t, job.Outputs[0])); got != n {
			t.Fatalf("%d rows, want %d", got, n)
		}
	})
}

// An outage longer than the stall timeout stops the run (resumable) with
// every row still pending, instead of burning the rows' attempts into
// error rows: here ten minutes of 500s, in fake time.
func TestRunStallsDuringAnOutage(t *testing.T) {
	inBubble(t, simulator.Config{Faults: simulator.Faults{Err500: 1}}, func(t *testing.T, e *memEnv) {
		job := e.job(writeCSV(t, e.dir, 30))
		opt := e.opts()
		opt.BackoffBase, opt.BackoffMax, opt.MaxAttempts = time.Second, 30*time.Second, 1000
		s, err := Run(context.Background(), job, opt)
		if err != nil {
			t.Fatal(err)
		}
		var se *pace.StallError
		if s.Stop != Stalled || !errors.As(s.Err, &se) || se.Model != "gpt-4o-mini" {
			t.Fatalf("stop=%v err=%v, want Stalled naming the model", s.Stop, s.Err)
		}
		if s.Done != 0 {
			t.Fatalf("%d rows got a result during the outage, want none (all pending)", s.Done)
		}
		if took := s.Finished.Sub(s.Started); took < 10*time.Minute || took > 12*time.Minute {
			t.Fatalf("stalled after %v of fake time, want just over the 10 min stall timeout", took)
		}
	})
}

// A Retry-After of a day is not obeyed (issue 13, item 10): one hint is
// bounded, as the official SDKs bound it, and the stall timeout ends the
// run.
func TestRunIgnoresAHugeRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		var calls atomic.Int64
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			w.Header().Set("Retry-After", "86400")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`))
		})
		e := &testEnv{dir: dir}
		job := e.job(writeCSV(t, dir, 5))
		opt := e.optsFor("http://sim.invalid/v1")
		opt.HTTPClient = &http.Client{Transport: memTransport{h}}
		opt.StallTimeout = 3 * time.Second
		s, err := Run(context.Background(), job, opt)
		if err != nil {
			t.Fatal(err)
		}
		if s.Stop != Stalled || !strings.Contains(s.Err.Error(), "3s") {
			t.Fatalf("stop=%v err=%v, want Stalled after the 3s stall timeout", s.Stop, s.Err)
		}
		if took := s.Finished.Sub(s.Started); took > 2*time.Minute {
			t.Fatalf("the run waited %v of fake time: the day-long hint was obeyed", took)
		}
		if calls.Load() == 0 {
			t.Fatal("no request was sent")
		}
	})
}
