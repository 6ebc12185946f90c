package readers

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestColumns(t *testing.T) {
	dir := t.TempDir()
	var long strings.Builder
	for i := range ColumnSample {
		fmt.Fprintf(&long, "{\"id\":%d,\"text\":\"t\"}\n", i)
	}
	long.WriteString("{\"id\":1000,\"late\":\"only after the sample\"}\n")
	writeFile(t, dir, "r.csv", []byte("id,review,product\n1,good,x\n"))
	writeFile(t, dir, "r.tsv.gz", gz(t, "id\ttext\n1\ta\n"))
	writeFile(t, dir, "r.jsonl", []byte("{\"id\":1,\"text\":\"a\"}\nnot json\n\n{\"review\":null,\"id\":2}\n"))
	writeFile(t, dir, "empty.jsonl", nil)
	writeFile(t, dir, "long.jsonl", []byte(long.String()))
	writeFile(t, dir, "parts/a.jsonl", []byte("{\"a\":1}\n"))
	writeFile(t, dir, "parts/b.jsonl.zst", zst(t, "{\"b\":1,\"a\":2}\n"))
	tests := []struct {
		path           string
		want           []string
		wantExhaustive bool
	}{
		{"r.csv", []string{"id", "review", "product"}, true},
		{"r.tsv.gz", []string{"id", "text"}, true},
		{"testdata/parquet/types_zstd.parquet", loadExpected(t, "expected.json").Columns, true},
		{"r.jsonl", []string{"id", "text", "review"}, true}, // keys in first-seen order; the bad line adds none
		{"empty.jsonl", nil, true},
		{"long.jsonl", []string{"id", "text"}, false}, // "late" is beyond the sample
		{"parts", []string{"a", "b"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			path := tt.path
			if !strings.HasPrefix(path, "testdata") {
				path = filepath.Join(dir, path)
			}
			cols, exhaustive, err := Columns(t.Context(), path, Options{})
			if err != nil {
				t.Fatalf("Columns: %v", err)
			}
			if !slices.Equal(cols, tt.want) || exhaustive != tt.wantExhaustive {
				t.Errorf("Columns = %q, %v; want %q, %v", cols, exhaustive, tt.want, tt.wantExhaustive)
			}
			// PeekColumns on an opened reader agrees, and the reader it
			// returns yields what a fresh Open yields.
			r, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			cols2, exhaustive2, replay, err := PeekColumns(t.Context(), r)
			if err != nil || !slices.Equal(cols2, cols) || exhaustive2 != exhaustive {
				t.Fatalf("PeekColumns = %q, %v, %v; Columns said %q, %v", cols2, exhaustive2, err, cols, exhaustive)
			}
			fresh, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer fresh.Close()
			equalLines(t, drain(t, replay), drain(t, fresh))
			if _, ok := replay.(Progress); !ok {
				t.Error("the replaying reader does not report progress")
			}
		})
	}
}

func TestPeekColumnsStdin(t *testing.T) {
	in := "{\"id\":\"a\"}\n{\"id\":\"b\",\"text\":\"x\"}\n"
	r, err := openString("jsonl", in)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cols, exhaustive, replay, err := PeekColumns(t.Context(), r)
	if err != nil || !slices.Equal(cols, []string{"id", "text"}) || !exhaustive {
		t.Fatalf("PeekColumns = %q, %v, %v", cols, exhaustive, err)
	}
	equalLines(t, drain(t, replay), []string{`1/0 id="a"`, `2/1 id="b" text="x"`})

	if _, _, err := Columns(t.Context(), "-", Options{Stdin: strings.NewReader(in)}); err == nil {
		t.Error("Columns read standard input, which the run then could not")
	}
}

func TestPeekColumnsFatalError(t *testing.T) {
	boom := errors.New("disk on fire")
	r, err := Open("-", Options{Format: "jsonl", Stdin: &failingReader{[]byte("{\"id\":1}\n{\"x\""), boom}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cols, _, replay, err := PeekColumns(t.Context(), r)
	if err == nil || !strings.Contains(err.Error(), "disk on fire") || replay != nil {
		t.Fatalf("PeekColumns = %v, %v; want the read error and no reader", replay, err)
	}
	if !slices.Equal(cols, []string{"id"}) {
		t.Errorf("cols before the error = %q", cols)
	}
}

// BenchmarkColumnsJSONL measures learning the columns of a JSONL file by
// its first ColumnSample rows (review-like, ~250 bytes each): the cost a
// run pays once before it starts.
func BenchmarkColumnsJSONL(b *testing.B) {
	var in strings.Builder
	for i := range 5 * ColumnSample {
		fmt.Fprintf(&in, `{"id":%d,"product":"SKU-%05d","rating":%d,"review":"%s"}`+"\n", i, i, i%5+1, benchText)
	}
	path := filepath.Join(b.TempDir(), "bench.jsonl")
	if err := os.WriteFile(path, []byte(in.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Columns(b.Context(), path, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
