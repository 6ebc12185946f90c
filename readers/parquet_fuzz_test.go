package readers

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParquet feeds arbitrary bytes to the Parquet reader as a file. Bad
// input must give an error naming the file, never a panic or a hang.
func FuzzParquet(f *testing.F) {
	seeds := []string{
		"parts/part-0.parquet",
		"parts/part-1.parquet",
		"foreign/nulls.snappy.parquet",
		"foreign/null_list.parquet",
		"foreign/int32_decimal.parquet",
		"foreign/datapage_v2.snappy.parquet",
		"types_zstd.parquet",
	}
	for _, s := range seeds {
		b, err := os.ReadFile(filepath.Join("testdata", "parquet", s))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])              // truncated: no footer
		f.Add(append(b[:4:4], b[8:]...)) // a hole after the magic number
	}
	f.Add([]byte("PAR1"))
	f.Add([]byte("PAR1PAR1"))
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, in []byte) {
		path := filepath.Join(dir, "in.parquet")
		if err := os.WriteFile(path, in, 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := Open(path, Options{})
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("open error does not name the file: %v", err)
			}
			return
		}
		defer r.Close()
		// A tiny file can declare millions of rows of nulls: stop early,
		// the point is that nothing panics.
		for n := 0; n < 10000; n++ {
			rec, err := r.Next(t.Context())
			if err == io.EOF {
				return
			}
			if err != nil {
				if !strings.Contains(err.Error(), path) {
					t.Fatalf("error does not name the file: %v", err)
				}
				return
			}
			if rec.Pos.Line != n+1 || rec.Pos.Row != int64(n) {
				t.Fatalf("record %d at %+v", n, rec.Pos)
			}
			for _, f := range rec.Fields {
				if !f.Null && !kindFits(f) {
					t.Fatalf("field %q kind %d has value %q", f.Name, f.Kind, f.Value)
				}
			}
		}
	})
}
