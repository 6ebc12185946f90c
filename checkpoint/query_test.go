package checkpoint

import (
	"context"
	"errors"
	"math"
	"reflect"
	"testing"
)

func TestDone(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	if got := doneMap(t, db); len(got) != 0 {
		t.Fatalf("Done on empty db = %v", got)
	}
	_, err := db.BeginRun(ctx)
	must(t, err)
	pending := Row{Key: "p", Seq: 1, Status: StatusPending, RequestHash: "hp"}
	failed := Row{Key: "f", Seq: 2, Status: StatusFailed} // never rendered: empty hash
	must(t, db.Commit(ctx, []Row{okRow("a", 0), pending, failed}))
	_, err = db.BeginRun(ctx) // Done spans every run
	must(t, err)
	must(t, db.Commit(ctx, []Row{okRow("b", 0)}))

	want := map[string]string{"a": "h-a/ok", "b": "h-b/ok", "p": "hp/pending", "f": "/failed"}
	if got := doneMap(t, db); !reflect.DeepEqual(got, want) {
		t.Errorf("Done = %v, want %v", got, want)
	}

	stop := errors.New("stop")
	calls := 0
	err = db.Done(ctx, func(string, string, Status) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("Done with failing callback: err=%v calls=%d", err, calls)
	}

	// The callback may write: the scan does not hold the writer.
	err = db.Done(ctx, func(k, h string, st Status) error {
		return db.Touch(ctx, []SeqUpdate{{Key: k, Seq: 9}})
	})
	must(t, err)
}

func TestRowsOrder(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	_, err := db.BeginRun(ctx)
	must(t, err)
	must(t, db.Commit(ctx, []Row{okRow("old", 0)}))
	_, err = db.BeginRun(ctx)
	must(t, err)
	hidden := okRow("hidden", -1)
	must(t, db.Commit(ctx, []Row{okRow("c", 10), okRow("a", 2), hidden, okRow("b", 5)}))
	must(t, db.Commit(ctx, []Row{okRow("z", 5), okRow("first", 0)})) // ties on seq 0 and 5

	// Rows stay placed across runs until moved or detached; a tie on seq
	// is broken by which key was stored first.
	if got, want := join(collect(t, db)), "old,first,a,b,z,c"; got != want {
		t.Errorf("Rows = %s, want %s", got, want)
	}
	must(t, db.DetachFrom(ctx, 5))
	if got, want := join(collect(t, db)), "old,first,a"; got != want {
		t.Errorf("after DetachFrom(5): Rows = %s, want %s", got, want)
	}
	placed, err := db.AtSeq(ctx, 0, 3)
	must(t, err)
	if len(placed) != 3 || placed[0].Key != "old" || placed[1].Key != "first" || placed[2].Key != "a" || placed[2].Seq != 2 {
		t.Errorf("AtSeq(0, 3) = %+v", placed)
	}
	stop := errors.New("stop")
	if err := db.Rows(ctx, func(Row) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("Rows with failing callback: %v", err)
	}
}

func TestTotals(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	if tot, err := db.Totals(ctx); err != nil || tot != (Totals{}) {
		t.Fatalf("Totals of empty db = %+v %v", tot, err)
	}
	_, err := db.BeginRun(ctx)
	must(t, err)
	must(t, db.Commit(ctx, []Row{okRow("previous-run", 0)}))
	_, err = db.BeginRun(ctx)
	must(t, err)

	a := okRow("a", 0) // 10+5 tokens, $0.001
	b := okRow("b", 1)
	b.CostUSD = nil // unknown
	b.CachedTokens, b.ReasoningTokens = 3, 7
	e1 := Row{Key: "e1", Seq: 2, Status: StatusFailed, Error: "first error", PromptTokens: 4, CostUSD: fp64(0.5)}
	e2 := Row{Key: "e2", Seq: 3, Status: StatusPending, Error: "latest error"}
	must(t, db.Commit(ctx, []Row{a, b, e1}))
	must(t, db.Commit(ctx, []Row{e2}))
	// Reusing the old row in this run brings it into the totals.
	must(t, db.Touch(ctx, []SeqUpdate{{Key: "previous-run", Seq: 4}}))

	got, err := db.Totals(ctx)
	must(t, err)
	want := Totals{Rows: 5, OK: 3, Failed: 1, Pending: 1,
		PromptTokens: 34, CompletionTokens: 15, CachedTokens: 3, ReasoningTokens: 7,
		UnknownCost: 1, LastError: "latest error"}
	wantCost := 0.001 + 0.001 + 0.5
	if math.Abs(got.CostUSD-wantCost) > 1e-12 {
		t.Errorf("CostUSD = %v, want %v", got.CostUSD, wantCost)
	}
	got.CostUSD = 0
	if got != want {
		t.Errorf("Totals =\n %+v\nwant\n %+v", got, want)
	}

	// Fixing the latest error makes the earlier one the last.
	must(t, db.Commit(ctx, []Row{okRow("e2", 3)}))
	got, err = db.Totals(ctx)
	must(t, err)
	if got.LastError != "first error" || got.Pending != 0 {
		t.Errorf("after retry: LastError=%q Pending=%d", got.LastError, got.Pending)
	}
}
