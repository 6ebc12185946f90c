package simulator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// checkPartition asserts that output and errors hold every row of an
// n-row input exactly once between them, that the output lines are all
// 200s, and that every unanswered row carries wantCode.
func checkPartition(t *testing.T, n int, output, errs []resultLine, wantCode string) {
	t.Helper()
	all := append(ids(output), ids(errs)...)
	slices.Sort(all)
	if len(all) != n || len(slices.Compact(all)) != n {
		t.Fatalf("output %d + error %d lines, want each of %d rows once", len(output), len(errs), n)
	}
	for _, l := range output {
		if l.Response == nil || l.Response.StatusCode != http.StatusOK {
			t.Fatalf("output line %+v is not a 200 answer", l)
		}
	}
	for _, l := range errs {
		if l.Response != nil || l.Error == nil || l.Error.Code != wantCode || l.Error.Message == "" {
			t.Fatalf("error line %+v, want response null and error %s", l, wantCode)
		}
	}
}

func TestBatchExpiresWithPartialResults(t *testing.T) {
	sim := newBatchSim(t, BatchConfig{Fate: func(int) BatchFate { return FateExpire }}.WithLifecycle(time.Second))
	const n = 40
	b := sim.submit(t, batchInput(n), nil)
	sim.clock.Advance(2 * time.Second)
	b = sim.get(t, b.ID)
	if b.Status != statusExpired || b.ExpiredAt == nil || b.RequestCounts != (openai.BatchRequestCounts{Total: n, Completed: n / 2}) {
		t.Fatalf("batch = %+v, want expired with half its rows answered", b)
	}
	out, errs := sim.download(t, b.OutputFileID), sim.download(t, b.ErrorFileID)
	checkPartition(t, n, out, errs, "batch_expired")
	if len(out) != n/2 {
		t.Fatalf("output has %d lines, want %d", len(out), n/2)
	}
	if st := sim.s.BatchStats(); st.LinesBilled != n/2 || st.LinesExpired != n/2 || st.OutputFiles != 2 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestBatchCancelKeepsPartialResults(t *testing.T) {
	sim := newBatchSim(t, BatchConfig{}.WithLifecycle(time.Second)) // validate 100ms, run 700ms, cancel 100ms
	const n = 40
	b := sim.submit(t, batchInput(n), nil)
	sim.clock.Advance(450 * time.Millisecond) // half way through the run
	if b = sim.get(t, b.ID); b.Status != statusInProgress || b.RequestCounts.Completed != n/2 {
		t.Fatalf("batch = %+v, want in progress with %d rows done", b, n/2)
	}
	resp, err := sim.c.CancelBatch(context.Background(), b.ID)
	if err != nil || resp.Status != statusCancelling || resp.CancellingAt == nil {
		t.Fatalf("CancelBatch = %+v, %v; want cancelling", resp.Batch, err)
	}
	sim.clock.Advance(50 * time.Millisecond)
	if b = sim.get(t, b.ID); b.Status != statusCancelling {
		t.Fatalf("status %s during the cancel period, want cancelling", b.Status)
	}
	sim.clock.Advance(50 * time.Millisecond)
	b = sim.get(t, b.ID)
	// Requests in flight finish while cancelling: 450 ms of 700 ms ran.
	if want := n * 450 / 700; b.Status != statusCancelled || b.CancelledAt == nil || b.RequestCounts.Completed != want {
		t.Fatalf("batch = %+v, want cancelled with %d rows done", b, want)
	}
	out, errs := sim.download(t, b.OutputFileID), sim.download(t, b.ErrorFileID)
	checkPartition(t, n, out, errs, "batch_cancelled")
	if len(out) != b.RequestCounts.Completed {
		t.Fatalf("output has %d lines, counts say %d", len(out), b.RequestCounts.Completed)
	}
	if again, err := sim.c.CancelBatch(context.Background(), b.ID); err != nil || again.Status != statusCancelled {
		t.Fatalf("second cancel = %s, %v; want cancelled, no error", again.Status, err)
	}
	if st := sim.s.BatchStats(); st.BatchesCancelled != 1 || st.LinesCancelled != int64(len(errs)) {
		t.Fatalf("stats = %+v", st)
	}
}

func TestBatchCancelRefusedOnceFinished(t *testing.T) {
	sim := newBatchSim(t, BatchConfig{})
	b := sim.get(t, sim.submit(t, batchInput(2), nil).ID)
	_, err := sim.c.CancelBatch(context.Background(), b.ID)
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusBadRequest || !strings.Contains(apiErr.Message, "completed") {
		t.Fatalf("cancelling a completed batch: %v, want 400 naming its status", err)
	}
	if _, err := sim.c.RetrieveBatch(context.Background(), "batch_nope"); !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusNotFound {
		t.Fatalf("unknown batch: %v, want 404", err)
	}
}

func TestBatchCancelWhileValidating(t *testing.T) {
	sim := newBatchSim(t, BatchConfig{}.WithLifecycle(time.Second))
	b := sim.submit(t, batchInput(5), nil)
	if _, err := sim.c.CancelBatch(context.Background(), b.ID); err != nil {
		t.Fatal(err)
	}
	sim.clock.Advance(time.Second)
	b = sim.get(t, b.ID)
	if b.Status != statusCancelled || b.OutputFileID != nil || b.InProgressAt != nil {
		t.Fatalf("batch = %+v, want cancelled before it ran", b)
	}
	checkPartition(t, 5, nil, sim.download(t, b.ErrorFileID), "batch_cancelled")
}

// TestBatchNeverFinishes: a stalled batch stays in_progress for hours until
// cancelled, as the --batch-finish-sync tail expects; left alone, it
// expires at the end of its 24-hour window.
func TestBatchNeverFinishes(t *testing.T) {
	sim := newBatchSim(t, BatchConfig{Fate: func(n int) BatchFate {
		return FateNeverFinish
	}}.WithLifecycle(time.Second))
	const n = 40
	cancelled, left := sim.submit(t, batchInput(n), nil), sim.submit(t, batchInput(n), nil)
	sim.clock.Advance(6 * time.Hour)
	for _, id := range []string{cancelled.ID, left.ID} {
		if b := sim.get(t, id); b.Status != statusInProgress || b.RequestCounts.Completed != n/2 {
			t.Fatalf("after 6h: %+v, want still in progress, half done", b)
		}
	}
	if _, err := sim.c.CancelBatch(context.Background(), cancelled.ID); err != nil {
		t.Fatal(err)
	}
	sim.clock.Advance(time.Second)
	b := sim.get(t, cancelled.ID)
	if b.Status != statusCancelled {
		t.Fatalf("status %s, want cancelled", b.Status)
	}
	checkPartition(t, n, sim.download(t, b.OutputFileID), sim.download(t, b.ErrorFileID), "batch_cancelled")
	sim.clock.Advance(18 * time.Hour)
	if b := sim.get(t, left.ID); b.Status != statusExpired || *b.ExpiredAt != *b.ExpiresAt {
		t.Fatalf("after 24h: %+v, want expired at expires_at", b)
	}
}

// TestBatchEnqueuedTokenLimit: a batch whose prompt tokens would push its
// model's enqueued total over the limit fails with OpenAI's code and
// message; once the earlier batch completes there is room again, and other
// models have their own queue.
func TestBatchEnqueuedTokenLimit(t *testing.T) {
	input := batchInput(10)
	probe := newBatchSim(t, BatchConfig{})
	probe.get(t, probe.submit(t, input, nil).ID)
	tokens := probe.s.BatchStats().PromptTokens
	limit := tokens * 3 / 2
	sim := newBatchSim(t, BatchConfig{EnqueuedTokens: limit}.WithLifecycle(time.Second))
	first := sim.submit(t, input, nil)
	sim.clock.Advance(200 * time.Millisecond)
	second := sim.submit(t, input, nil)
	other := sim.submit(t, strings.ReplaceAll(input, "gpt-4o-mini", "gpt-4.1-mini"), nil)
	sim.clock.Advance(200 * time.Millisecond)
	if b := sim.get(t, first.ID); b.Status != statusInProgress {
		t.Fatalf("first batch %s, want in_progress", b.Status)
	}
	if b := sim.get(t, other.ID); b.Status != statusInProgress {
		t.Fatalf("another model's batch %s, want in_progress", b.Status)
	}
	b := sim.get(t, second.ID)
	want := fmt.Sprintf("Enqueued token limit reached for gpt-4o-mini in organization org-sim. Limit: %d enqueued tokens. "+
		"Please try again once some in_progress batches have been completed.", limit)
	if b.Status != statusFailed || b.Errors == nil || len(b.Errors.Data) != 1 ||
		b.Errors.Data[0].Code != "token_limit_exceeded" || b.Errors.Data[0].Message != want {
		t.Fatalf("second batch = %+v, want failed with token_limit_exceeded", b)
	}
	sim.clock.Advance(time.Second) // the first completes
	third := sim.submit(t, input, nil)
	sim.clock.Advance(200 * time.Millisecond)
	if b := sim.get(t, third.ID); b.Status != statusInProgress {
		t.Fatalf("batch after the queue drained: %s, want in_progress", b.Status)
	}
}

// TestBatchFailedLinesAndResubmission: a FailShare of lines is answered
// 500 in the error file and not billed; resubmitting just those lines gets
// fresh draws, and no row is ever billed twice.
func TestBatchFailedLinesAndResubmission(t *testing.T) {
	sim := newBatchSim(t, BatchConfig{FailShare: 0.3})
	const n = 100
	lines := strings.Split(strings.TrimSpace(batchInput(n)), "\n")
	pending := lines
	for round := 1; len(pending) > 0; round++ {
		if round > 10 {
			t.Fatalf("%d rows still failing after 10 rounds", len(pending))
		}
		b := sim.get(t, sim.submit(t, strings.Join(pending, "\n"), nil).ID)
		errs := sim.download(t, b.ErrorFileID)
		if b.RequestCounts.Failed != len(errs) || errorCodes(errs)["status 500"] != len(errs) {
			t.Fatalf("round %d: counts %+v, error codes %v", round, b.RequestCounts, errorCodes(errs))
		}
		if round == 1 && (len(errs) < n/10 || len(errs) > n/2) {
			t.Fatalf("round 1: %d of %d lines failed with FailShare 0.3", len(errs), n)
		}
		failed := map[string]bool{}
		for _, l := range errs {
			failed[l.CustomID] = true
		}
		var next []string
		for _, l := range pending {
			if failed[customIDOf(t, l)] {
				next = append(next, l)
			}
		}
		pending = next
	}
	if st := sim.s.BatchStats(); st.LinesBilled != n || st.BilledTwice != 0 {
		t.Fatalf("stats = %+v, want %d billed, none twice", st, n)
	}
}
