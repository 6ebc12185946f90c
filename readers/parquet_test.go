package readers

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// expectedFile is what testdata/parquet/gen.mjs wrote: the values DuckDB
// reads from a fixture, in our text forms; null for NULL.
type expectedFile struct {
	Columns     []string             `json:"columns"`
	DuckDBTypes map[string]string    `json:"duckdb_types"`
	Rows        []map[string]*string `json:"rows"`
}

func loadExpected(t *testing.T, name string) expectedFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "parquet", name))
	if err != nil {
		t.Fatal(err)
	}
	var e expectedFile
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return e
}

// readAll drains a reader opened on path, failing the test on any error.
func readAll(t *testing.T, path string, opt Options) ([]Record, Reader) {
	t.Helper()
	r, err := Open(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	var recs []Record
	for {
		rec, err := r.Next(t.Context())
		if err == io.EOF {
			return recs, r
		}
		if err != nil {
			t.Fatalf("record %d: %v", len(recs), err)
		}
		if rec.Err != nil {
			t.Fatalf("record %d: row error %v", len(recs), rec.Err)
		}
		recs = append(recs, rec)
	}
}

// sameValue compares our text with DuckDB's. Floats are compared as
// numbers: DuckDB hands FLOAT columns back widened to double.
func sameValue(typ, got, want string) bool {
	switch typ {
	case "FLOAT", "DOUBLE":
		g, err1 := strconv.ParseFloat(got, 64)
		w, err2 := strconv.ParseFloat(want, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		if typ == "FLOAT" {
			return float32(g) == float32(w)
		}
		return g == w
	}
	return got == want
}

// checkAgainstExpected compares records with DuckDB's reading of a file.
func checkAgainstExpected(t *testing.T, file string, recs []Record, e expectedFile) {
	t.Helper()
	if len(recs) != len(e.Rows) {
		t.Fatalf("%s: %d records, DuckDB reads %d", file, len(recs), len(e.Rows))
	}
	for i, rec := range recs {
		if rec.Pos.Line != i+1 || rec.Pos.Row != int64(i) || rec.Pos.File != file {
			t.Errorf("record %d at %+v", i, rec.Pos)
		}
		if len(rec.Fields) != len(e.Columns) {
			t.Fatalf("record %d has %d fields, want %d", i, len(rec.Fields), len(e.Columns))
		}
		for j, name := range e.Columns {
			f := rec.Fields[j]
			want := e.Rows[i][name]
			switch {
			case f.Name != name:
				t.Errorf("record %d field %d named %q, want %q", i, j, f.Name, name)
			case want == nil && !f.Null:
				t.Errorf("record %d %s = %q, want NULL", i, name, f.Value)
			case want != nil && f.Null:
				t.Errorf("record %d %s = NULL, want %q", i, name, *want)
			case want != nil && !sameValue(e.DuckDBTypes[name], f.Value, *want):
				t.Errorf("record %d %s (%s)\n got %q\nwant %q", i, name, e.DuckDBTypes[name], f.Value, *want)
			}
		}
	}
}

func TestParquetDuckDBTypes(t *testing.T) {
	e := loadExpected(t, "expected.json")
	for _, codec := range []string{"snappy", "zstd", "gzip"} {
		t.Run(codec, func(t *testing.T) {
			path := filepath.Join("testdata", "parquet", "types_"+codec+".parquet")
			recs, r := readAll(t, path, Options{})
			checkAgainstExpected(t, path, recs, e)
			if got := r.(Counter).TotalRows(); got != int64(len(e.Rows)) {
				t.Errorf("TotalRows = %d, want %d", got, len(e.Rows))
			}
			if got := r.(HeaderReader).Header(); strings.Join(got, ",") != strings.Join(e.Columns, ",") {
				t.Errorf("Header = %q", got)
			}
			p := r.(Progress)
			if p.BytesRead() != p.Size() {
				t.Errorf("BytesRead %d at the end, Size %d", p.BytesRead(), p.Size())
			}
		})
	}
}

func TestParquetParts(t *testing.T) {
	dir := filepath.Join("testdata", "parquet", "parts")
	whole, _ := readAll(t, filepath.Join("testdata", "parquet", "types_zstd.parquet"), Options{})
	for _, in := range []string{dir, filepath.Join(dir, "part-*.parquet")} {
		t.Run(in, func(t *testing.T) {
			recs, r := readAll(t, in, Options{})
			if len(recs) != len(whole) {
				t.Fatalf("%d records, want %d", len(recs), len(whole))
			}
			for i, rec := range recs {
				wantFile, wantLine := filepath.Join(dir, "part-0.parquet"), i+1
				if i >= 12 {
					wantFile, wantLine = filepath.Join(dir, "part-1.parquet"), i-11
				}
				if rec.Pos != (Position{File: wantFile, Line: wantLine, Row: int64(i), FileRow: int64(wantLine - 1)}) {
					t.Errorf("record %d at %+v", i, rec.Pos)
				}
				for _, name := range []string{"id", "s", "lst"} {
					g, _ := rec.Lookup(name)
					w, _ := whole[i].Lookup(name)
					if g != w {
						t.Errorf("record %d %s = %+v, want %+v", i, name, g, w)
					}
				}
			}
			p := r.(Progress)
			if p.BytesRead() != p.Size() {
				t.Errorf("BytesRead %d at the end, Size %d", p.BytesRead(), p.Size())
			}
		})
	}
}

func TestParquetOpenErrors(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(filepath.Join("testdata", "parquet", "types_zstd.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path, want string
		opt              Options
	}{
		{"empty", write("empty.parquet", nil), "empty.parquet", Options{}},
		{"not parquet", write("text.parquet", []byte("id,text\n1,hello\n")), "text.parquet", Options{}},
		{"footer cut", write("cut.parquet", good[:len(good)-100]), "cut.parquet", Options{}},
		{"compressed", write("x.parquet.gz", good), "cannot be .gz-compressed", Options{}},
		{"stdin", "-", "standard input", Options{Format: "parquet", Stdin: strings.NewReader("")}},
		{"missing", filepath.Join(dir, "nope.parquet"), "nope.parquet", Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open(tt.path, tt.opt)
			if err == nil {
				r.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

// TestParquetCorruptPages damages the data pages (not the footer): Open
// succeeds, and reading ends in an error naming the file, never a panic.
func TestParquetCorruptPages(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "parquet", "types_snappy.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, at := range []int{4, 100, 1000, 5000, 10000} {
		t.Run(strconv.Itoa(at), func(t *testing.T) {
			b := append([]byte(nil), good...)
			for i := at; i < at+64 && i < len(b)-8; i++ {
				b[i] ^= 0x5a
			}
			path := filepath.Join(dir, "bad"+strconv.Itoa(at)+".parquet")
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := Open(path, Options{})
			if err != nil {
				if !strings.Contains(err.Error(), path) {
					t.Errorf("open error %q does not name the file", err)
				}
				return
			}
			defer r.Close()
			for {
				_, err := r.Next(t.Context())
				if err == io.EOF {
					return // damage in a spot that still decodes
				}
				if err != nil {
					if !strings.Contains(err.Error(), path) {
						t.Errorf("error %q does not name the file", err)
					}
					if _, err2 := r.Next(t.Context()); !errors.Is(err2, err) && err2.Error() != err.Error() {
						t.Errorf("error not sticky: %v then %v", err, err2)
					}
					return
				}
			}
		})
	}
}

func TestDetectFormatParquet(t *testing.T) {
	for _, p := range []string{"a.parquet", "dir/B.PARQUET"} {
		if f, err := DetectFormat(p); err != nil || f != "parquet" {
			t.Errorf("DetectFormat(%q) = %q, %v", p, f, err)
		}
	}
}

// TestParquetForeignWriters reads files written by Impala, parquet-mr (the
// writer Spark uses), parquet-cpp (pyarrow's) and parquet-rs, copied from
// apache/parquet-testing, and compares every value with DuckDB's reading.
func TestParquetForeignWriters(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "parquet", "foreign", "*.parquet"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			e := loadExpected(t, filepath.Join("foreign", strings.TrimSuffix(filepath.Base(path), ".parquet")+".json"))
			recs, _ := readAll(t, path, Options{})
			checkAgainstExpected(t, path, recs, e)
		})
	}
}

func TestParquetPartsTotalRows(t *testing.T) {
	r, err := Open(filepath.Join("testdata", "parquet", "parts"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tr, ok := r.(Counter)
	if !ok {
		t.Fatal("a set of Parquet parts must report its total rows")
	}
	want := tr.TotalRows()
	var got int64
	for {
		_, err := r.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got++
	}
	if want <= 0 || got != want {
		t.Fatalf("TotalRows %d, read %d", want, got)
	}
}
