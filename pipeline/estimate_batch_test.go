package pipeline

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// TestEstimateBatchInputMatchesSimulator: the estimate of a Batch API file
// has one report per model, and its prompt tokens add up to what the
// simulator counts for the same bodies.
func TestEstimateBatchInputMatchesSimulator(t *testing.T) {
	e := newEnv(t, simulator.Config{})
	in, _ := writeBatchInput(t, e.dir, 400, `{"custom_id":"x","method":"POST","url":"/v1/embeddings","body":{}}`)
	job := Job{Input: in, Outputs: []string{filepath.Join(e.dir, "o.jsonl")}, Model: "gpt-4o-mini", State: filepath.Join(e.dir, "s.db")}
	reps, err := EstimateAll(context.Background(), job, EstimateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 4 {
		t.Fatalf("%d reports, want one per model (4)", len(reps))
	}
	var prompt, requests, failed int64
	for _, r := range reps {
		prompt += r.PromptTokens.Total
		requests += r.Requests
		failed += r.Failed
		if r.Cost.StandardHigh <= 0 || r.Cost.BatchLow <= 0 {
			t.Fatalf("%s: cost %+v", r.Model, r.Cost)
		}
	}
	if requests != 400 || failed != 1 {
		t.Fatalf("requests %d failed %d", requests, failed)
	}
	s, err := Run(context.Background(), job, e.opts())
	if err != nil || s.OK != 400 {
		t.Fatalf("run: ok %d err %v %v", s.OK, s.Err, err)
	}
	if got := e.sim.Stats().PromptTokens; got != prompt {
		t.Fatalf("estimate counts %d prompt tokens, the simulator %d", prompt, got)
	}
}
