package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// TestBatchHappyPath drives a batch through its whole lifecycle with
// go-openai, polling on a fake clock, and checks that every row is
// answered once, out of input order, with the synchronous endpoint's
// answer and usage.
func TestBatchHappyPath(t *testing.T) {
	sim := newBatchSim(t, BatchConfig{}.WithLifecycle(time.Second))
	const n = 40
	input := batchInput(n)
	b := sim.submit(t, input, map[string]any{"job": "nightly", "chunk": "1"})
	if b.Status != statusValidating || b.Metadata["job"] != "nightly" || b.ExpiresAt == nil ||
		int64(*b.ExpiresAt)-int64(b.CreatedAt) != int64((24*time.Hour).Seconds()) {
		t.Fatalf("created batch = %+v, want validating, its metadata, expiring in 24h", b)
	}
	var seen []string
	prevDone := -1
	for range 12 {
		sim.clock.Advance(100 * time.Millisecond)
		b = sim.get(t, b.ID)
		if len(seen) == 0 || seen[len(seen)-1] != b.Status {
			seen = append(seen, b.Status)
		}
		if b.Status == statusInProgress {
			if b.RequestCounts.Completed < prevDone || b.RequestCounts.Total != n {
				t.Fatalf("in progress counts %+v after %d done", b.RequestCounts, prevDone)
			}
			prevDone = b.RequestCounts.Completed
		}
	}
	if want := []string{statusInProgress, statusFinalizing, statusCompleted}; !slices.Equal(seen, want) {
		t.Fatalf("statuses seen = %v, want %v", seen, want)
	}
	if b.RequestCounts != (openai.BatchRequestCounts{Total: n, Completed: n}) || b.ErrorFileID != nil || b.CompletedAt == nil {
		t.Fatalf("completed batch = %+v", b)
	}
	out := sim.download(t, b.OutputFileID)
	got := ids(out)
	if len(got) != n {
		t.Fatalf("output has %d lines, want %d", len(got), n)
	}
	inputOrder := make([]string, n)
	for i := range n {
		inputOrder[i] = "row-" + itoa(i)
	}
	if slices.Equal(got, inputOrder) {
		t.Fatal("output is in input order; the API's is not, and clients must join on custom_id")
	}
	if sorted := slices.Sorted(slices.Values(got)); !slices.Equal(sorted, slices.Sorted(slices.Values(inputOrder))) {
		t.Fatalf("output custom_ids = %v, want each input row once", got)
	}
	// Each answer is the synchronous endpoint's answer to the same body.
	lines := strings.Split(strings.TrimSpace(input), "\n")
	var promptSum int64
	for _, l := range out {
		if l.Response == nil || l.Response.StatusCode != 200 || l.Error != nil || !strings.HasPrefix(l.ID, "batch_req_") {
			t.Fatalf("output line %+v", l)
		}
		var in struct {
			Body json.RawMessage `json:"body"`
		}
		_ = json.Unmarshal([]byte(lines[atoi(strings.TrimPrefix(l.CustomID, "row-"))]), &in)
		var sync, batched chatResponse
		_ = json.Unmarshal(post(t, sim.s, chatPath, string(in.Body)).Body.Bytes(), &sync)
		if err := json.Unmarshal(l.Response.Body, &batched); err != nil {
			t.Fatal(err)
		}
		if batched.Choices[0].Message.Content != sync.Choices[0].Message.Content || batched.Usage != sync.Usage {
			t.Fatalf("%s: batch answer %+v differs from sync answer %+v", l.CustomID, batched, sync)
		}
		promptSum += batched.Usage.PromptTokens
	}
	st := sim.s.BatchStats()
	if st.FilesCreated != 1 || st.BatchesCreated != 1 || st.OutputFiles != 1 || st.LinesBilled != n ||
		st.BilledTwice != 0 || st.PromptTokens != promptSum || sim.s.BatchBilled("row-3") != 1 {
		t.Fatalf("stats = %+v (prompt sum %d), billed row-3 %d times", st, promptSum, sim.s.BatchBilled("row-3"))
	}
}

// TestBatchInstantByDefault: the zero BatchConfig completes a batch by the
// first poll, so tests that do not care about the lifecycle need no clock.
func TestBatchInstantByDefault(t *testing.T) {
	sim := newBatchSim(t, BatchConfig{})
	b := sim.submit(t, batchInput(3), nil)
	if b = sim.get(t, b.ID); b.Status != statusCompleted || b.RequestCounts.Completed != 3 {
		t.Fatalf("batch = %+v, want completed with 3 answers", b)
	}
}

// TestBatchShuffleIsDeterministic: the same seed and input give the same
// output file, byte for byte; the order differs from the input's.
func TestBatchShuffleIsDeterministic(t *testing.T) {
	var files [2][]string
	for i := range files {
		sim := newBatchSim(t, BatchConfig{})
		b := sim.get(t, sim.submit(t, batchInput(25), nil).ID)
		files[i] = ids(sim.download(t, b.OutputFileID))
	}
	if !slices.Equal(files[0], files[1]) {
		t.Fatalf("two runs with one seed ordered the output differently:\n%v\n%v", files[0], files[1])
	}
}

// TestBatchList pages through batches newest first, as OpenAI lists them.
func TestBatchList(t *testing.T) {
	sim := newBatchSim(t, BatchConfig{})
	var created []string
	for range 5 {
		created = append(created, sim.submit(t, batchInput(1), nil).ID)
	}
	slices.Reverse(created)
	var listed []string
	var after *string
	limit := 2
	for pages := 0; ; pages++ {
		resp, err := sim.c.ListBatch(context.Background(), after, &limit)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range resp.Data {
			listed = append(listed, b.ID)
		}
		if resp.FirstID != resp.Data[0].ID || resp.LastID != resp.Data[len(resp.Data)-1].ID {
			t.Fatalf("page %d: first/last ids %v %v do not match its data", pages, resp.FirstID, resp.LastID)
		}
		if !resp.HasMore {
			break
		}
		after = &resp.LastID
	}
	if !slices.Equal(listed, created) {
		t.Fatalf("listed %v, want newest first %v", listed, created)
	}
	w := httptestGetStatus(sim.s, "/v1/batches?limit=101")
	if w != 400 {
		t.Fatalf("limit=101 answered %d, want 400", w)
	}
}

// TestBatchStopsAnsweringOnRelease: once the server is released (as
// Running.Close does), a batch's remaining lines are answered 500 without
// generating them, so no goroutine outlives a closed server for long, and
// nothing is billed for them.
func TestBatchStopsAnsweringOnRelease(t *testing.T) {
	sim := newBatchSim(t, BatchConfig{})
	sim.s.Release() // before the batch exists, so no line can have been answered yet
	b := sim.get(t, sim.submit(t, batchInput(30), nil).ID)
	errs := sim.download(t, b.ErrorFileID)
	if b.OutputFileID != nil || len(errs) != 30 || errorCodes(errs)["status 500"] != 30 || b.RequestCounts.Failed != 30 {
		t.Fatalf("after release: output %v, error codes %v; want every line 500", b.OutputFileID, errorCodes(errs))
	}
	if st := sim.s.BatchStats(); st.LinesBilled != 0 || st.LinesFailed != 30 {
		t.Fatalf("stats = %+v", st)
	}
}

// TestBatchStructuredOutputMatchesSync: a response_format line gets the
// same conforming JSON answer as the synchronous endpoint gives.
func TestBatchStructuredOutputMatchesSync(t *testing.T) {
	sim := newBatchSim(t, BatchConfig{})
	var compact bytes.Buffer // a JSONL line holds no newline
	if err := json.Compact(&compact, []byte(schemaBody("Review the blue kettle.", "gpt-4o-mini", ""))); err != nil {
		t.Fatal(err)
	}
	body := compact.String()
	line := `{"custom_id":"s","method":"POST","url":"/v1/chat/completions","body":` + body + "}\n"
	out := sim.download(t, sim.get(t, sim.submit(t, line, nil).ID).OutputFileID)
	var batched, sync chatResponse
	if len(out) != 1 || json.Unmarshal(out[0].Response.Body, &batched) != nil {
		t.Fatalf("output = %+v", out)
	}
	_ = json.Unmarshal(post(t, sim.s, chatPath, body).Body.Bytes(), &sync)
	if batched.Choices[0].Message.Content != sync.Choices[0].Message.Content || !json.Valid([]byte(batched.Choices[0].Message.Content)) {
		t.Fatalf("batch answer %q, sync answer %q", batched.Choices[0].Message.Content, sync.Choices[0].Message.Content)
	}
}
