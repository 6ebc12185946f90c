package readers

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/parquet-go/parquet-go"
)

type benchParquetRow struct {
	ID     string   `parquet:"id,zstd"`
	Stars  int64    `parquet:"stars"`
	Review string   `parquet:"review,zstd"`
	Tags   []string `parquet:"tags,list"`
}

// BenchmarkParquetRead reads a 20,000-row file with a nested column:
// rows/s and allocations per row.
func BenchmarkParquetRead(b *testing.B) {
	const rows = 20000
	path := filepath.Join(b.TempDir(), "bench.parquet")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := parquet.NewGenericWriter[benchParquetRow](f, parquet.MaxRowsPerRowGroup(5000))
	for i := range rows {
		row := benchParquetRow{ID: "r" + strconv.Itoa(i), Stars: int64(i % 5), Review: "the kettle arrived on time and boils fast, review " + strconv.Itoa(i), Tags: []string{"a", "b"}}
		if _, err := w.Write([]benchParquetRow{row}); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	b.ResetTimer()
	for range b.N {
		r, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := r.Next(b.Context())
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		r.Close()
		if n != rows {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
