package checkpoint

import (
	"context"
	"fmt"
	"testing"
)

func TestLookup(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir()+"/s.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	run, _ := db.BeginRun(ctx)
	var rows []Row
	for i := range 1200 {
		rows = append(rows, Row{Key: fmt.Sprintf("k%d", i), Seq: int64(i), RequestHash: fmt.Sprintf("h%d", i), Status: StatusOK, Position: fmt.Sprintf("in.csv:%d", i+2)})
	}
	if err := db.Commit(ctx, rows); err != nil {
		t.Fatal(err)
	}
	// More keys than one chunk, some absent.
	keys := []string{"missing"}
	for i := 0; i < 1200; i += 2 {
		keys = append(keys, fmt.Sprintf("k%d", i))
	}
	got, err := db.Lookup(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 600 {
		t.Fatalf("found %d rows, want 600", len(got))
	}
	if _, ok := got["missing"]; ok {
		t.Fatal("an absent key was found")
	}
	s := got["k1000"]
	if s.RequestHash != "h1000" || s.Status != StatusOK || s.Run != run || s.Position != "in.csv:1002" {
		t.Fatalf("k1000 = %+v", s)
	}
	if got, err := db.Lookup(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("no keys: %v %v", got, err)
	}
}

func TestSpentAccumulatesAcrossRuns(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/s.db"
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	c1, c2 := 0.25, 0.125
	db.BeginRun(ctx)
	db.Commit(ctx, []Row{{Key: "a", Status: StatusOK, CostUSD: &c1}, {Key: "b", Status: StatusPending}})
	db.BeginRun(ctx)
	// "a" sent again (its input was edited): paid twice.
	db.Commit(ctx, []Row{{Key: "a", Status: StatusOK, CostUSD: &c2}})
	db.Close()
	db, _ = Open(ctx, path)
	defer db.Close()
	if got, err := db.Spent(ctx); err != nil || got != 0.375 {
		t.Fatalf("Spent = %v, %v; want 0.375", got, err)
	}
}
