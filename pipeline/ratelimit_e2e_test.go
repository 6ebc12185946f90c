package pipeline

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// These tests run whole jobs against a simulator that is not our mirror
// (issue 14): it charges tokens its own way, others use the key, or an
// answer lies about the limits. Whatever the pacing does, every row must
// come back exactly once. They run on the fake time of a synctest bubble.

// writeTexts writes an input of n rows whose text is text(i).
func writeTexts(t *testing.T, dir string, n int, text func(int) string) string {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"id", "text"})
	for i := range n {
		w.Write([]string{fmt.Sprintf("id-%05d", i), text(i)})
	}
	w.Flush()
	path := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func english(i int) string {
	return fmt.Sprintf("row %d: the quick brown fox jumps over the lazy dog while engineers measure throughput", i)
}

func japanese(i int) string {
	return fmt.Sprintf("%d行目：東京は日本の首都であり、多くの人々が毎日電車で通勤しています。", i)
}

// rateJob is a job over input with a small output cap, so a request's
// charge is mostly its prompt.
func rateJob(dir, input string) Job {
	maxTokens := int64(20)
	return Job{
		Input: input, Outputs: []string{filepath.Join(dir, "out.jsonl")},
		Template: "Summarise: {{.text}}", Model: "gpt-4o-mini", IDColumn: "id",
		Params: Params{MaxTokens: &maxTokens}, State: filepath.Join(dir, "state.db"),
	}
}

// checkEveryRowOnce fails unless the run completed and its output holds
// each of the n ids exactly once, each with an answer.
func checkEveryRowOnce(t *testing.T, s Summary, err error, out string, n int) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if s.Stop != Completed || s.OK != int64(n) || s.Failed != 0 {
		t.Fatalf("stop=%v ok=%d failed=%d kinds=%+v, want all %d rows ok", s.Stop, s.OK, s.Failed, s.ErrorKinds, n)
	}
	seen := map[string]int{}
	for _, r := range readJSONL(t, out) {
		id, _ := r["id"].(string)
		seen[id]++
		if r["error"] != nil {
			t.Errorf("row %s failed: %v", id, r["error"])
		}
	}
	for i := range n {
		if id := fmt.Sprintf("id-%05d", i); seen[id] != 1 {
			t.Errorf("row %s in the output %d times, want once", id, seen[id])
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct rows in the output, want %d", len(seen), n)
	}
}

func TestRateLimitedRunsKeepEveryRow(t *testing.T) {
	tests := []struct {
		name string
		cfg  simulator.Config
		text func(int) string
	}{
		{"char charge, English, token-bound", simulator.Config{RPM: 100000, TPM: 6000}, english},
		{"char charge, Japanese, token-bound", simulator.Config{RPM: 100000, TPM: 6000}, japanese},
		{"tiktoken charge, token-bound", simulator.Config{RPM: 100000, TPM: 6000, TPMCharge: simulator.TPMChargeTiktoken}, english},
		{"beside a foreign load", simulator.Config{RPM: 120, TPM: 1000000, ForeignRPM: 48, ForeignTPM: 400000}, english},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Seed, tc.cfg.Latency, tc.cfg.LatencyJitter = 3, 200*time.Millisecond, 300*time.Millisecond
			inBubble(t, tc.cfg, func(t *testing.T, e *memEnv) {
				const n = 120
				job := rateJob(e.dir, writeTexts(t, e.dir, n, tc.text))
				s, err := Run(context.Background(), job, e.opts())
				checkEveryRowOnce(t, s, err, job.Outputs[0], n)
			})
		})
	}
}

// Two runs on one key, neither told of the other, each finish every row
// of their own.
func TestTwoRunsShareAKey(t *testing.T) {
	cfg := simulator.Config{RPM: 120, TPM: 1000000, Seed: 4, Latency: 200 * time.Millisecond, LatencyJitter: 300 * time.Millisecond}
	inBubble(t, cfg, func(t *testing.T, e *memEnv) {
		const n = 100
		var wg sync.WaitGroup
		for p := range 2 {
			dir := filepath.Join(e.dir, fmt.Sprint(p))
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			job := rateJob(dir, writeTexts(t, dir, n, func(i int) string { return fmt.Sprintf("process %d %s", p, english(i)) }))
			wg.Go(func() {
				s, err := Run(context.Background(), job, e.opts())
				checkEveryRowOnce(t, s, err, job.Outputs[0], n)
			})
		}
		wg.Wait()
	})
}

// bogusLimit answers its nth request with x-ratelimit-limit-tokens: 1, as
// a broken proxy might.
type bogusLimit struct {
	next http.RoundTripper
	nth  int64
	seen atomic.Int64
}

func (b *bogusLimit) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := b.next.RoundTrip(r)
	if err == nil && b.seen.Add(1) == b.nth {
		resp.Header.Set("x-ratelimit-limit-tokens", "1")
	}
	return resp, err
}

// One answer claiming a token limit of 1 turns no row into a failure.
func TestBogusLimitHeaderFailsNoRow(t *testing.T) {
	for _, nth := range []int64{1, 10} {
		t.Run(fmt.Sprint(nth), func(t *testing.T) {
			inBubble(t, simulator.Config{RPM: 600, TPM: 100000, Seed: 2}, func(t *testing.T, e *memEnv) {
				const n = 60
				job := rateJob(e.dir, writeTexts(t, e.dir, n, english))
				opt := e.opts()
				opt.HTTPClient = &http.Client{Transport: &bogusLimit{next: opt.HTTPClient.Transport, nth: nth}}
				s, err := Run(context.Background(), job, opt)
				checkEveryRowOnce(t, s, err, job.Outputs[0], n)
				if strings.Contains(fmt.Sprint(s.ErrorKinds), "too_large") {
					t.Fatalf("error kinds %+v", s.ErrorKinds)
				}
			})
		})
	}
}
