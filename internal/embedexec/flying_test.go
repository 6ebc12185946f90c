package embedexec

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/clock"
	"github.com/batchprompt/batchprompt/internal/pace"
	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/readers"
)

func rowAt(i int) request.Request {
	return request.Request{Seq: int64(i), Key: fmt.Sprintf("id:%d", i), Text: "text", Tokens: 1, Pos: readers.Position{File: "in.csv", Line: i + 2}}
}

// A row stays known from Send until the database's readers can see its
// result, so the engine finds every row in one place or the other.
func TestFlyingUntilVisible(t *testing.T) {
	var e Exec
	a, b := rowAt(0), rowAt(1)
	e.flights.add(a)
	e.flights.add(b)
	batch := []request.Request{a, b, rowAt(2)}
	if got := e.Flying(batch); !maps.Equal(got, map[string]string{"id:0": "in.csv:2", "id:1": "in.csv:3"}) {
		t.Fatalf("in flight: %v", got)
	}
	visible := false
	e.flights.land([]request.Request{a}, func() bool { return visible })
	if got := e.Flying(batch); len(got) != 2 {
		t.Fatalf("committed but not visible yet: %v, want both rows", got)
	}
	visible = true
	if got := e.Flying(batch); !maps.Equal(got, map[string]string{"id:1": "in.csv:3"}) {
		t.Fatalf("once visible: %v, want only the row still in flight", got)
	}
}

func TestUnclaimDropsOnlyNewRowsClaims(t *testing.T) {
	var e Exec
	send := []request.Request{rowAt(0), rowAt(1)}
	claims := []checkpoint.Row{{Key: "id:0"}, {Key: "id:1"}, {Key: "id:9"}}
	stored := map[string]checkpoint.Stored{"id:1": {Seq: 40}} // moved: keeps its claim
	got := e.Unclaim(claims, send, stored)
	var keys []string
	for _, c := range got {
		keys = append(keys, c.Key)
	}
	if !slices.Equal(keys, []string{"id:1", "id:9"}) {
		t.Fatalf("claims left %v, want id:1 (stored before) and id:9 (not sent)", keys)
	}
}

// Rows of a request that is never sent (the run stopped) are handed back
// to be stored pending, not committed as results, and are then forgotten.
func TestExecAbandonsRowsOfUnsentRequests(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h := &host{vecs: map[int64][]float32{}, failed: map[int64]string{}}
	const model = "text-embedding-3-small"
	x, err := New(Config{Model: model, Pacer: pace.New(model, pace.Config{Concurrency: 1}, clock.Real{}), Clock: clock.Real{}, Ctx: ctx, SendCtx: ctx}, h)
	if err != nil {
		t.Fatal(err)
	}
	var batch []request.Request
	for i := range 5 {
		batch = append(batch, rowAt(i))
		x.Send(rowAt(i))
	}
	x.Wait()
	if len(h.abandoned) != 5 || len(h.vecs) != 0 || len(h.failed) != 0 {
		t.Fatalf("abandoned %v, answered %d, failed %v; want all 5 abandoned", h.abandoned, len(h.vecs), h.failed)
	}
	if got := x.Flying(batch); len(got) != 0 {
		t.Fatalf("still flying after Wait: %v", got)
	}
}
