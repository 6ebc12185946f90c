package sqlitefile

import (
	"path/filepath"
	"testing"
	"time"
)

// A path with bytes a URI would misread reaches SQLite intact, and the
// readers see what the writer wrote.
func TestWriterAndReaders(t *testing.T) {
	dir := t.TempDir()
	if _, err := Abs(dir); err == nil {
		t.Fatal("a directory was accepted as a database path")
	}
	abs, err := Abs(filepath.Join(dir, "a ?#% b.db"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := Writer(abs, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Exec("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	r, err := Readers(abs, time.Second, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var v int
	if err := r.QueryRow("SELECT v FROM t").Scan(&v); err != nil || v != 42 {
		t.Fatalf("read %d, %v", v, err)
	}
	if _, err := r.Exec("INSERT INTO t VALUES (1)"); err == nil {
		t.Fatal("a reader could write")
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "*.db")); len(matches) != 1 {
		t.Fatalf("files %v: the path was not kept intact", matches)
	}
}
