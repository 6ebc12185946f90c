package checkpoint

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestCommitRoundTrip(t *testing.T) {
	ctx := context.Background()
	full := okRow("full", 3)
	full.CachedTokens, full.ReasoningTokens = 4, 2
	full.ResponseBody = []byte(`{"id":"x"}`)
	failed := Row{Key: "bad", Seq: 4, Status: StatusFailed, ID: "bad", Error: "HTTP 400: nope",
		ErrorKind: "http_400", HTTPStatus: 400, Attempts: 1, Position: "in.csv:6"}
	emptyKept := okRow("empty-kept", 5)
	emptyKept.Kept = []json.RawMessage{}
	nilCost := okRow("nil-cost", 6)
	nilCost.CostUSD, nilCost.Kept = nil, nil
	unicode := okRow("ключ#1", 7)
	unicode.Output = "line1\nline2\x00 tab\t \"quoted\" 🙂"

	// Hashes, ids and positions have a compact stored form when they have
	// the shape a run gives them; every other shape must read back as is.
	shaped := func(key, hash, id, pos string) Row {
		r := okRow(key, 8)
		r.RequestHash, r.ID, r.Position = hash, id, pos
		return r
	}
	tests := []struct {
		name string
		row  Row
	}{
		{"all fields", full},
		{"hex hash, id inside key, file:line", shaped("id:42", "00ff10", "42", "dir/in.csv:12")},
		{"uppercase hash", shaped("u", "00FF10", "u", "in.csv:1")},
		{"odd-length hash", shaped("o", "abc", "o", "in.csv:1")},
		{"empty hash and id", shaped("e", "", "", "in.csv:1")},
		{"id equal to key", shaped("same", "ab", "same", "in.csv:0")},
		{"id not in key", shaped("k1", "ab", "other", "in.csv:1")},
		{"id longer than key", shaped("k2", "ab", "xk2", "in.csv:1")},
		{"position without line", shaped("p1", "ab", "p1", "in.csv:")},
		{"position without colon", shaped("p2", "ab", "p2", "stdin")},
		{"position with leading zero", shaped("p3", "ab", "p3", "in.csv:007")},
		{"position with sign", shaped("p4", "ab", "p4", "in.csv:-3")},
		{"position beyond int64", shaped("p5", "ab", "p5", "in.csv:99999999999999999999")},
		{"empty position", shaped("p6", "ab", "p6", "")},
		{"windows path", shaped("p7", "ab", "p7", `C:\in:put.csv:5`)},
		{"position is only a line", shaped("p8", "ab", "p8", ":5")},
		{"failed without response", failed},
		{"empty kept stays empty", emptyKept},
		{"nil cost and kept stay nil", nilCost},
		{"odd text", unicode},
	}
	db := openTemp(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			must(t, db.Commit(ctx, []Row{tc.row}))
			got, ok, err := getRow(ctx, db, tc.row.Key)
			if err != nil || !ok {
				t.Fatalf("Get = %v %v", ok, err)
			}
			if !reflect.DeepEqual(got, tc.row) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, tc.row)
			}
		})
	}
	if _, ok, err := getRow(ctx, db, "nobody"); ok || err != nil {
		t.Errorf("Get(nobody) = %v %v", ok, err)
	}
}

func TestCommitUpsert(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	first := Row{Key: "a", Seq: 0, Status: StatusPending, Error: "timeout", ErrorKind: "timeout", Attempts: 5, Position: "in.csv:2"}
	must(t, db.Commit(ctx, []Row{first}))
	second := okRow("a", 0)
	must(t, db.Commit(ctx, []Row{second}))
	got, _, err := getRow(ctx, db, "a")
	must(t, err)
	if !reflect.DeepEqual(got, second) {
		t.Errorf("after upsert got %+v, want %+v", got, second)
	}

	// Duplicates within one batch: the later one wins.
	x1, x2 := okRow("x", 1), okRow("x", 2)
	x2.Output = "second"
	must(t, db.Commit(ctx, []Row{x1, x2}))
	got, _, err = getRow(ctx, db, "x")
	must(t, err)
	if got.Output != "second" || got.Seq != 2 {
		t.Errorf("duplicate in batch: got %q seq %d", got.Output, got.Seq)
	}
	if n := len(doneMap(t, db)); n != 2 {
		t.Errorf("%d stored rows, want 2", n)
	}
}

func TestCommitRefusesBadRowsAtomically(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		bad  Row
		want string
	}{
		{"empty key", Row{Status: StatusOK, Position: "in.csv:9"}, "in.csv:9"},
		{"zero status", Row{Key: "k"}, "invalid status 0"},
		{"unknown status", Row{Key: "k", Status: 9}, "invalid status 9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openTemp(t)
			err := db.Commit(ctx, []Row{okRow("good", 0), tc.bad})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Commit error = %v, want it to contain %q", err, tc.want)
			}
			if n := len(doneMap(t, db)); n != 0 {
				t.Errorf("%d rows stored after a refused batch, want 0", n)
			}
		})
	}
	db := openTemp(t)
	must(t, db.Commit(ctx, nil)) // empty batch is a no-op
}

func TestTouch(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	_, err := db.BeginRun(ctx)
	must(t, err)
	must(t, db.Commit(ctx, []Row{okRow("a", 0), okRow("b", 1), okRow("c", 2)}))

	// Run 2: the input was reordered to c, a; b was deleted.
	_, err = db.BeginRun(ctx)
	must(t, err)
	if got := join(collect(t, db)); got != "a,b,c" {
		t.Fatalf("a new run keeps the rows where they were until moved: %v", got)
	}
	must(t, db.Touch(ctx, []SeqUpdate{{Key: "c", Seq: 0}, {Key: "a", Seq: 1}, {Key: "b", Seq: -1}}))
	if got := join(collect(t, db)); got != "c,a" {
		t.Errorf("Rows after Touch = %s, want c,a", got)
	}
	a, _, err := getRow(ctx, db, "a")
	must(t, err)
	want := okRow("a", 0) // Position too is as first committed
	want.Seq = 1
	if !reflect.DeepEqual(a, want) {
		t.Errorf("Touch changed more than run/seq: %+v", a)
	}

	// A missing key fails the whole batch.
	err = db.Touch(ctx, []SeqUpdate{{Key: "b", Seq: 2}, {Key: "zz", Seq: 3}})
	if !errors.Is(err, ErrNotCommitted) || !strings.Contains(err.Error(), `"zz"`) {
		t.Fatalf("Touch(missing) error = %v", err)
	}
	if got := join(collect(t, db)); got != "c,a" {
		t.Errorf("failed Touch was partly applied: Rows = %s", got)
	}
	must(t, db.Touch(ctx, nil))
}
