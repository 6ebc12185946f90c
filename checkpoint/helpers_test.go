package checkpoint

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func openTemp(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "job.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// jstr is s as a kept value: one JSON string.
func jstr(s string) json.RawMessage { b, _ := json.Marshal(s); return b }
func fp64(f float64) *float64       { return &f }
func okRow(key string, seq int64) Row {
	return Row{
		Key: key, Seq: seq, RequestHash: "h-" + key, Status: StatusOK, ID: key,
		Kept: []json.RawMessage{jstr("a"), nil}, Output: "out " + key, FinishReason: "stop", Model: "gpt-4o-mini",
		PromptTokens: 10, CompletionTokens: 5, CostUSD: fp64(0.001), LatencyMS: 12, Attempts: 1,
		Position: fmt.Sprintf("in.csv:%d", seq+2),
	}
}

// collect returns the keys Rows yields, in order.
func collect(t testing.TB, db *DB) []string {
	t.Helper()
	var keys []string
	if err := db.Rows(context.Background(), func(r Row) error {
		keys = append(keys, r.Key)
		return nil
	}); err != nil {
		t.Fatalf("Rows: %v", err)
	}
	return keys
}

func doneMap(t testing.TB, db *DB) map[string]string {
	t.Helper()
	m := map[string]string{}
	if err := db.Done(context.Background(), func(k, h string, st Status) error {
		m[k] = h + "/" + st.String()
		return nil
	}); err != nil {
		t.Fatalf("Done: %v", err)
	}
	return m
}

func join(s []string) string { return strings.Join(s, ",") }

// getRow reads the stored row with key, of any run or position, as Rows
// would yield it; ok is false when there is none.
func getRow(ctx context.Context, db *DB, key string) (Row, bool, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+rowColumns+" FROM rows WHERE key = ?", key)
	if err != nil {
		return Row{}, false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return Row{}, false, rows.Err()
	}
	r, err := db.scanRow(ctx, rows)
	return r, err == nil, err
}
