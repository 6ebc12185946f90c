//go:build unix

package jobstate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenRefusesASecondRunWhateverThePath: a second run of a job holding
// its state database is refused however it names the file (issue 13 item
// 2: a symlinked --state billed 4,097 rows twice), and may go once the
// first closes.
func TestOpenRefusesASecondRunWhateverThePath(t *testing.T) {
	tests := []struct {
		name   string
		exists bool // the database exists before the first run
		// second names the first run's database (dir/real/state.db)
		// another way; it may create links in dir.
		second func(t *testing.T, dir string) string
	}{
		{"same path", false, func(t *testing.T, dir string) string { return filepath.Join(dir, "real", "state.db") }},
		{"relative path", true, func(t *testing.T, dir string) string {
			t.Chdir(dir)
			return filepath.Join(".", "real", "..", "real", "state.db")
		}},
		{"symlink to the file", true, func(t *testing.T, dir string) string {
			return link(t, os.Symlink, filepath.Join(dir, "real", "state.db"), filepath.Join(dir, "link.db"))
		}},
		{"relative symlink to the file", true, func(t *testing.T, dir string) string {
			return link(t, os.Symlink, filepath.Join("real", "state.db"), filepath.Join(dir, "link.db"))
		}},
		{"symlinked folder, database new", false, func(t *testing.T, dir string) string {
			link(t, os.Symlink, filepath.Join(dir, "real"), filepath.Join(dir, "alias"))
			return filepath.Join(dir, "alias", "state.db")
		}},
		{"symlinked folder, database exists", true, func(t *testing.T, dir string) string {
			link(t, os.Symlink, filepath.Join(dir, "real"), filepath.Join(dir, "alias"))
			return filepath.Join(dir, "alias", "state.db")
		}},
		{"hard link", true, func(t *testing.T, dir string) string {
			return link(t, os.Link, filepath.Join(dir, "real", "state.db"), filepath.Join(dir, "hard.db"))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.Mkdir(filepath.Join(dir, "real"), 0o755)
			first := filepath.Join(dir, "real", "state.db")
			if tc.exists {
				openJob(t, first).Close()
			}
			a := openJob(t, first)
			second := tc.second(t, dir)
			_, err := Open(context.Background(), Config{Path: second, Fingerprint: fingerprint(`{}`), Keep: []string{"lang"}})
			var inUse *InUseError
			if !IsConfig(err) || !errors.As(err, &inUse) || !strings.Contains(err.Error(), second) {
				t.Fatalf("second run through %s: err = %v, want a config error naming it", second, err)
			}
			a.Close()
			openJob(t, second).Close() // the lock went with the first run
		})
	}
}

// link makes newname a link to target with mk (os.Symlink or os.Link) and
// returns newname.
func link(t *testing.T, mk func(string, string) error, target, newname string) string {
	t.Helper()
	if err := mk(target, newname); err != nil {
		t.Skipf("cannot link: %v", err)
	}
	return newname
}

// TestOpenRestartKeepsOthersOut: --restart moves the database aside only
// when no other run holds it, and the new database it starts is held
// too, even through a hard link made afterwards.
func TestOpenRestartKeepsOthersOut(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.db")
	openJob(t, path).Close()
	hard := link(t, os.Link, path, filepath.Join(dir, "hard.db"))
	a := openJob(t, hard)
	_, err := Open(context.Background(), Config{Path: path, Restart: true, Fingerprint: fingerprint(`{}`)})
	if !IsConfig(err) {
		t.Fatalf("restart beside a running job: err = %v", err)
	}
	if _, err := os.Stat(path + ".bak"); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a refused --restart moved the running job's database aside")
	}
	a.Close()

	b, err := Open(context.Background(), Config{Path: path, Restart: true, Fingerprint: fingerprint(`{"temperature":0.5}`)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := os.Stat(path + ".bak"); err != nil {
		t.Fatalf("--restart kept no backup: %v", err)
	}
	fresh := link(t, os.Link, path, filepath.Join(dir, "fresh.db"))
	if _, err := Open(context.Background(), Config{Path: fresh, Fingerprint: fingerprint(`{"temperature":0.5}`)}); !IsConfig(err) {
		t.Fatalf("second run on the restarted database: err = %v", err)
	}
}

// TestLockLeavesSQLiteAlone: our flock on the database file neither blocks
// SQLite's own locking in another handle (status reads while a run
// writes) nor loses what the run committed.
func TestLockLeavesSQLiteAlone(t *testing.T) {
	dir := t.TempDir()
	path := partialJob(t, dir, nil)
	ctx := context.Background()
	run := openJob(t, path)
	if err := run.DB.SetMeta(ctx, MetaStop, "running"); err != nil {
		t.Fatal(err)
	}
	reader, err := OpenExisting(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ReadStatus(ctx, reader)
	if err != nil || st.LastStop != "running" {
		t.Fatalf("status beside a run: %+v, %v", st, err)
	}
	if err := reader.SetMeta(ctx, MetaInput, "other.csv"); err != nil {
		t.Fatalf("a second handle cannot write beside our lock: %v", err)
	}
	reader.Close() // SQLite's descriptor, not ours: the run's locks stay
	if err := run.DB.SetMeta(ctx, MetaStop, "completed"); err != nil {
		t.Fatal(err)
	}
	run.Close()
	db, err := OpenExisting(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _, err := db.Meta(ctx, MetaStop); err != nil || v != "completed" {
		t.Fatalf("after close: stop = %q, %v", v, err)
	}
}

// TestLock: Lock holds a database as a run would, and lets go.
func TestLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	release, err := Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(path); !IsConfig(err) {
		t.Fatalf("second Lock: err = %v", err)
	}
	if _, err := Open(context.Background(), Config{Path: path}); !IsConfig(err) {
		t.Fatalf("Open beside Lock: err = %v", err)
	}
	release()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("Lock created the database")
	}
	openJob(t, path)
}
