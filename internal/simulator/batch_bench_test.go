package simulator

import (
	"context"
	"io"
	"testing"
	"time"
)

// BenchmarkBatch10k measures one 10,000-line batch on an instant
// lifecycle: upload, create (validation and prompt-token counting), the
// first poll (which waits for every answer) and the output download. It
// reports the time of each phase per line.
func BenchmarkBatch10k(b *testing.B) {
	const n = 10_000
	input := batchInput(n)
	var create, answer, download time.Duration
	for range b.N {
		sim := newBatchSim(b, BatchConfig{})
		t0 := time.Now()
		bt := sim.submit(b, input, nil)
		t1 := time.Now()
		bt = sim.get(b, bt.ID)
		t2 := time.Now()
		raw, err := sim.c.GetFileContent(context.Background(), *bt.OutputFileID)
		if err != nil {
			b.Fatal(err)
		}
		size, _ := io.Copy(io.Discard, raw)
		_ = raw.Close()
		t3 := time.Now()
		create, answer, download = create+t1.Sub(t0), answer+t2.Sub(t1), download+t3.Sub(t2)
		b.SetBytes(size)
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N*n) }
	b.ReportMetric(per(create), "µs/line-create")
	b.ReportMetric(per(answer), "µs/line-answer")
	b.ReportMetric(per(download), "µs/line-download")
}
