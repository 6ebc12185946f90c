package writers

import (
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkWrite writes 1,000,000 typical rows per iteration in each format
// to io.Discard and reports rows/s and allocations per row. Run with
//
//	go test -run '^$' -bench Write -benchtime 1x ./writers
func BenchmarkWrite(b *testing.B) {
	const rowsPerOp = 1_000_000
	s := Schema{IDColumn: "id", Keep: []string{"question", "lang"}}
	output := strings.Repeat("The answer, in short: \"yes\".\n", 7) // ~200 bytes with quotes and newlines
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = "q-" + strconv.Itoa(i)
	}
	cost := 0.000123
	for _, format := range allFormats {
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			var elapsed time.Duration
			for b.Loop() {
				start := time.Now()
				w, err := New(format, io.Discard, s)
				if err != nil {
					b.Fatal(err)
				}
				kept := make([]Value, 2) // reused, as a caller streaming rows would
				for i := range rowsPerOp {
					kept[0] = Value{Text: "What is the capital of France?"}
					kept[1] = Value{Text: "en", Null: i%3 == 0}
					r := Row{
						ID:     ids[i%len(ids)],
						Kept:   kept,
						Output: output, FinishReason: "stop", Model: "gpt-4o-mini",
						PromptTokens: 120, CompletionTokens: int64(i % 500), CostUSD: &cost,
						LatencyMS: int64(i % 3000), Attempts: 1,
					}
					if i%100 == 0 {
						r.Error, r.CostUSD = "429 rate_limit_exceeded", nil
					}
					if err := w.Write(r); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(start)
			}
			b.ReportMetric(float64(rowsPerOp)*float64(b.N)/elapsed.Seconds(), "rows/s")
		})
	}
}
