package readers

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchSize is the generated input size: large enough that buffering and
// setup vanish from the figure.
const benchSize = 100 << 20

// writeBenchFile writes about benchSize bytes of review-like rows.
func writeBenchFile(b *testing.B, name string, row func(i int) string) string {
	b.Helper()
	p := filepath.Join(b.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	if strings.HasSuffix(name, ".csv") {
		w.WriteString("id,product,rating,review\n")
	}
	n := 0
	for i := 0; n < benchSize; i++ {
		k, _ := w.WriteString(row(i))
		n += k
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return p
}

var benchText = strings.Repeat("Works well, arrived on time; the box was a bit damaged. ", 3)

func benchRead(b *testing.B, path string) {
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		rows := 0
		for {
			rec, err := r.Next(b.Context())
			if err == io.EOF {
				break
			}
			if err != nil || rec.Err != nil {
				b.Fatal(err, rec.Err)
			}
			rows++
		}
		r.Close()
		b.ReportMetric(float64(rows), "rows/op")
	}
}

func BenchmarkReadCSV(b *testing.B) {
	benchRead(b, writeBenchFile(b, "bench.csv", func(i int) string {
		return fmt.Sprintf("%d,SKU-%05d,%d,\"%s\"\"quoted\"\"\r\nsecond line\"\n", i, i%99991, i%5+1, benchText)
	}))
}

func BenchmarkReadJSONL(b *testing.B) {
	benchRead(b, writeBenchFile(b, "bench.jsonl", func(i int) string {
		return fmt.Sprintf(`{"id":%d,"product":"SKU-%05d","rating":%d,"review":"%s\"quoted\"\r\nsecond line","tags":["a","b"]}`+"\n",
			i, i%99991, i%5+1, benchText)
	}))
}
