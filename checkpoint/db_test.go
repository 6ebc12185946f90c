package checkpoint

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestOpenSettings(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	checks := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "1"}, // NORMAL
		{"user_version", "4"},
		{"busy_timeout", "10000"},
	}
	for _, c := range checks {
		var got string
		if err := db.w.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", c.pragma, err)
		}
		if got != c.want {
			t.Errorf("PRAGMA %s = %q, want %q", c.pragma, got, c.want)
		}
	}
	if got := db.Path(); !strings.HasSuffix(got, "job.db") {
		t.Errorf("Path() = %q", got)
	}
}

func TestOpenRejects(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	otherDB := filepath.Join(dir, "other.db")
	{
		o, err := sql.Open("sqlite", otherDB)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.Exec("CREATE TABLE users (name TEXT)"); err != nil {
			t.Fatal(err)
		}
		o.Close()
	}
	newer := filepath.Join(dir, "newer.db")
	{
		o, err := sql.Open("sqlite", newer)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.Exec("PRAGMA user_version = 99"); err != nil {
			t.Fatal(err)
		}
		o.Close()
	}
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("this is not sqlite\n", 300)), 0o600); err != nil {
		t.Fatal(err)
	}
	// A real checkpoint whose header magic is destroyed.
	smashed := filepath.Join(dir, "smashed.db")
	{
		db, err := Open(ctx, smashed)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Commit(ctx, []Row{okRow("a", 0)}); err != nil {
			t.Fatal(err)
		}
		db.Close()
		f, err := os.OpenFile(smashed, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteAt([]byte("XXXXXXXXXXXXXXXX"), 0); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	tests := []struct {
		name, path, want string
	}{
		{"garbage", garbage, "not a readable SQLite database"},
		{"smashed header", smashed, "not a readable SQLite database"},
		{"directory", dir, "is a directory"},
		{"foreign sqlite", otherDB, "not a checkpoint"},
		{"newer schema", newer, "newer"},
		{"empty path", "", "empty database path"},
		{"missing parent", filepath.Join(dir, "nope", "x.db"), "nope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Open(ctx, tc.path)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%q) succeeded, want error", tc.path)
			}
			if !strings.Contains(err.Error(), tc.path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open(%q) error = %q, want it to name the path and contain %q", tc.path, err, tc.want)
			}
		})
	}
}

func TestOpenOddPaths(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"a?b.db", "c#d.db", "e%20f.db", "g h.db", "é.db"} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), name)
			db, err := Open(ctx, p)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if err := db.SetMeta(ctx, "k", "v"); err != nil {
				t.Fatal(err)
			}
			db.Close()
			if _, err := os.Stat(p); err != nil {
				t.Fatalf("database not created at the exact path: %v", err)
			}
		})
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "job.db")
	db, err := Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.BeginRun(ctx); err != nil {
		t.Fatal(err)
	}
	must(t, db.SetMeta(ctx, "input", "in.csv"))
	must(t, db.SetFingerprint(ctx, map[string]string{"model": "gpt-4o-mini"}))
	must(t, db.Commit(ctx, []Row{okRow("a", 0), okRow("b", 1)}))
	must(t, db.Close())

	db, err = Open(ctx, p)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	if v, ok, err := db.Meta(ctx, "input"); err != nil || !ok || v != "in.csv" {
		t.Errorf("Meta after reopen = %q %v %v", v, ok, err)
	}
	if fp, ok, err := db.Fingerprint(ctx); err != nil || !ok || fp["model"] != "gpt-4o-mini" {
		t.Errorf("Fingerprint after reopen = %v %v %v", fp, ok, err)
	}
	if run, err := db.Run(ctx); err != nil || run != 1 {
		t.Errorf("Run after reopen = %d %v", run, err)
	}
	if got := join(collect(t, db)); got != "a,b" {
		t.Errorf("Rows after reopen = %s", got)
	}
}

// TestSecondHandleSeesCommits stands for a crash without Close: whatever
// Commit returned nil for is visible to a fresh handle at once.
func TestSecondHandleSeesCommits(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "job.db")
	first, err := Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close() // only at test end: the second handle opens first
	must(t, first.Commit(ctx, []Row{okRow("a", 0), okRow("b", 1)}))

	second, err := Open(ctx, p)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	defer second.Close()
	if got := doneMap(t, second); len(got) != 2 {
		t.Errorf("second handle sees %v, want 2 rows", got)
	}
	// And the other way round, while both are open.
	must(t, second.Commit(ctx, []Row{okRow("c", 2)}))
	if got := join(collect(t, first)); got != "a,b,c" {
		t.Errorf("first handle sees %s", got)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentUse mixes direct commits with every kind of read: the
// writer and the reader pool must never trip over each other (SQLITE_BUSY).
func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	_, err := db.BeginRun(ctx)
	must(t, err)
	const writers, batches, per = 4, 10, 10
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for b := range batches {
				rows := make([]Row, per)
				for i := range rows {
					n := (w*batches+b)*per + i
					rows[i] = okRow(fmt.Sprint("k", n), int64(n))
				}
				if err := db.Commit(ctx, rows); err != nil {
					t.Errorf("Commit: %v", err)
				}
			}
		})
		wg.Go(func() {
			for range batches {
				if err := db.Done(ctx, func(string, string, Status) error { return nil }); err != nil {
					t.Errorf("Done: %v", err)
				}
				if err := db.Rows(ctx, func(Row) error { return nil }); err != nil {
					t.Errorf("Rows: %v", err)
				}
				if _, err := db.Totals(ctx); err != nil {
					t.Errorf("Totals: %v", err)
				}
			}
		})
	}
	wg.Wait()
	tot, err := db.Totals(ctx)
	must(t, err)
	if tot.Rows != writers*batches*per {
		t.Errorf("Totals.Rows = %d, want %d", tot.Rows, writers*batches*per)
	}
}
