package writers_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/internal/coltype"
	"github.com/batchprompt/batchprompt/readers"
	"github.com/batchprompt/batchprompt/writers"
)

// TestKeptColumnsKeepTheirParquetTypes copies every column of the Parquet
// fixtures (DuckDB's every type, and files from other writers: Impala,
// Spark, parquet-mr, with nested lists, maps and legacy repeated fields)
// to a Parquet output as kept columns, and reads the output back with the
// same reader: each column has the input's type and each value the
// input's text, NULLs where the input had NULLs.
func TestKeptColumnsKeepTheirParquetTypes(t *testing.T) {
	files, _ := filepath.Glob("../readers/testdata/parquet/foreign/*.parquet")
	files = append(files, "../readers/testdata/parquet/types_zstd.parquet")
	for _, in := range files {
		t.Run(filepath.Base(in), func(t *testing.T) {
			header, types, rows := readAll(t, in)
			s := writers.Schema{IDColumn: "row", RowNumberID: true}
			for _, name := range header {
				if name == "row" || isResultColumn(name) {
					continue // would collide with our own columns
				}
				s.Keep = append(s.Keep, name)
				s.KeptTypes = append(s.KeptTypes, types[name])
			}
			var out []writers.Row
			for i, rec := range rows {
				r := writers.Row{ID: itoa(i), Output: "x", Model: "m"}
				for _, name := range s.Keep {
					f, _ := rec.Lookup(name)
					r.Kept = append(r.Kept, writers.Value{Text: f.Value, Null: f.Null, JSON: f.Kind != readers.KindText})
				}
				out = append(out, r)
			}
			path := filepath.Join(t.TempDir(), "out.parquet")
			if err := os.WriteFile(path, writeAll(t, "parquet", s, out), 0o644); err != nil {
				t.Fatal(err)
			}
			_, gotTypes, got := readAll(t, path)
			t.Logf("%d rows, %d kept columns: %v", len(rows), len(s.Keep), s.KeptTypes)
			if len(got) != len(rows) {
				t.Fatalf("%d rows back, want %d", len(got), len(rows))
			}
			for _, name := range s.Keep {
				if !reflect.DeepEqual(gotTypes[name], types[name]) {
					t.Errorf("column %s: %s back, want %s", name, gotTypes[name], types[name])
					continue
				}
				for i := range rows {
					a, _ := rows[i].Lookup(name)
					b, _ := got[i].Lookup(name)
					if a.Null != b.Null || a.Value != b.Value || (!a.Null && a.Kind != b.Kind) {
						t.Errorf("row %d column %s (%s): %q (null %v) back, want %q (null %v)", i, name, types[name], b.Value, b.Null, a.Value, a.Null)
						break
					}
				}
			}
		})
	}
}

func readAll(t *testing.T, path string) ([]string, map[string]coltype.Type, []readers.Record) {
	t.Helper()
	r, err := readers.Open(path, readers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	header := r.(readers.HeaderReader).Header()
	types := readers.TypesOf(r)
	var rows []readers.Record
	for {
		rec, err := r.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, rec)
	}
	return header, types, rows
}

func isResultColumn(name string) bool {
	switch name {
	case "output", "finish_reason", "model", "prompt_tokens", "completion_tokens", "cached_tokens",
		"reasoning_tokens", "cost_usd", "latency_ms", "attempts", "error", "served_from":
		return true
	}
	return false
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestTypedIDColumn: an id the input declares a BIGINT is written as one,
// in Parquet and bare in JSONL; a row whose id is missing (an error row)
// has NULL there in both, not an empty string.
func TestTypedIDColumn(t *testing.T) {
	s := writers.Schema{IDColumn: "ticket_id", IDType: coltype.Type{Kind: coltype.Int, Bits: 64}}
	rows := []writers.Row{{ID: "7", Output: "x"}, {ID: "", Error: "id column \"ticket_id\" is empty"}}
	j := writeAll(t, "jsonl", s, rows)
	lines := strings.Split(string(j), "\n")
	if !strings.HasPrefix(lines[0], `{"ticket_id":7,`) || !strings.HasPrefix(lines[1], `{"ticket_id":null,`) {
		t.Errorf("JSONL ids:\n%s", j)
	}
	path := filepath.Join(t.TempDir(), "out.parquet")
	if err := os.WriteFile(path, writeAll(t, "parquet", s, rows), 0o644); err != nil {
		t.Fatal(err)
	}
	_, types, got := readAll(t, path)
	if types["ticket_id"].String() != "BIGINT" {
		t.Errorf("Parquet id column is %s, want BIGINT", types["ticket_id"])
	}
	if a, _ := got[0].Lookup("ticket_id"); a.Value != "7" || a.Null {
		t.Errorf("first id %+v, want 7", a)
	}
	if b, _ := got[1].Lookup("ticket_id"); !b.Null {
		t.Errorf("missing id %+v, want NULL", b)
	}
}

// writeAll writes rows in format with schema s and returns the file.
func writeAll(t *testing.T, format string, s writers.Schema, rows []writers.Row) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := writers.New(format, &buf, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
