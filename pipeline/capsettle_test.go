package pipeline

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
)

// answering serves every chat request with body, a fixed 200 answer.
func answering(body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	})
}

const answerHead = `{"id":"c1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]`

// runAgainst runs job against h in a synctest bubble (fake time, no
// sockets) with the given options adjusted by tune.
func runAgainst(t *testing.T, h http.Handler, rows int, tune func(*Job, *Options)) (Summary, Job) {
	t.Helper()
	var s Summary
	var job Job
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		e := &testEnv{dir: dir}
		job = e.job(writeCSV(t, dir, rows))
		opt := e.optsFor("http://sim.invalid/v1")
		opt.HTTPClient = &http.Client{Transport: memTransport{h}}
		tune(&job, &opt)
		var err error
		if s, err = Run(context.Background(), job, opt); err != nil {
			t.Fatal(err)
		}
	})
	return s, job
}

// A server that bills far more than a request's worst case is caught at
// the first such answer (issue 13, item 4): dispatching stops at once
// with BudgetReached, saying why, after at most the requests in flight.
func TestRunStopsWhenTheServerBillsMoreThanReserved(t *testing.T) {
	over := answering(answerHead + `,"usage":{"prompt_tokens":20,"completion_tokens":100000,"total_tokens":100020}}`)
	for _, conc := range []int{1, 4} {
		s, _ := runAgainst(t, over, 50, func(j *Job, o *Options) {
			maxTok := int64(20)
			j.Params.MaxTokens = &maxTok
			o.MaxCostUSD, o.Concurrency = 1, conc // room for ~16 such answers, or 50,000 honest ones
		})
		if s.Stop != BudgetReached || s.Err == nil || !strings.Contains(s.Err.Error(), "billed") {
			t.Fatalf("concurrency %d: stop=%v err=%v, want BudgetReached saying the server billed more", conc, s.Stop, s.Err)
		}
		if s.Requests > int64(conc) {
			t.Fatalf("concurrency %d: %d requests sent, want at most the %d in flight when the first over-billing came back", conc, s.Requests, conc)
		}
		if s.CapUSD != 1 || s.CapLeftUSD >= 1-0.06 || s.CapLeftUSD <= 0 {
			t.Fatalf("summary cap $%v left $%v, want $1 less the over-billed answers", s.CapUSD, s.CapLeftUSD)
		}
	}
}

// A 200 whose message is null is a malformed answer, retried and then an
// error row, not an empty OK answer (issue 13, item 13).
func TestRunNullMessageIsAnErrorRow(t *testing.T) {
	null := answering(`{"id":"c1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":0,"total_tokens":5}}`)
	s, job := runAgainst(t, null, 3, func(j *Job, o *Options) { o.MaxAttempts = 2 })
	if s.OK != 0 || s.Failed != 3 || s.Requests != 6 {
		t.Fatalf("ok=%d failed=%d requests=%d, want 3 error rows after 2 attempts each", s.OK, s.Failed, s.Requests)
	}
	for _, row := range readJSONL(t, job.Outputs[0]) {
		if row["error"] == nil || !strings.Contains(row["error"].(string), "null") {
			t.Fatalf("row %v: want an error naming the null message", row)
		}
	}
}

// An answer without usage has an unknown cost, not $0 (issue 13, item
// 13): the row has no cost_usd, and --max-cost counts its worst case.
func TestRunAnswerWithoutUsageCountsItsWorstCase(t *testing.T) {
	noUsage := answering(answerHead + `}`)
	s, job := runAgainst(t, noUsage, 3, func(j *Job, o *Options) {})
	if s.OK != 3 || s.UnknownCost != 3 || s.CostUSD != 0 {
		t.Fatalf("ok=%d unknown=%d cost=%v, want 3 answers of unknown cost", s.OK, s.UnknownCost, s.CostUSD)
	}
	for _, row := range readJSONL(t, job.Outputs[0]) {
		if row["cost_usd"] != nil {
			t.Fatalf("row %v: cost_usd should be null (unknown)", row)
		}
	}
	// Worst case per request: ~20 prompt tokens at $0.15/1M plus 1,000
	// output tokens at $0.60/1M, about $0.000603; the cap holds three.
	s, _ = runAgainst(t, noUsage, 50, func(j *Job, o *Options) {
		maxTok := int64(1000)
		j.Params.MaxTokens = &maxTok
		o.MaxCostUSD, o.Concurrency = 0.0019, 1
	})
	if s.Stop != BudgetReached || s.Requests != 3 {
		t.Fatalf("stop=%v requests=%d, want the cap to stop the run after 3 unknown-cost answers", s.Stop, s.Requests)
	}
}
