package pipeline

import (
	"bufio"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// benchRows is the input size of BenchmarkEstimate; BENCH_ESTIMATE_ROWS
// overrides it for a quicker run.
func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_ESTIMATE_ROWS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// writeBenchCSV writes n rows of review-like prose (about 250 bytes each,
// some non-ASCII) as id,text, streaming so the generator's own memory
// stays flat.
func writeBenchCSV(tb testing.TB, dir string, n int) string {
	tb.Helper()
	words := strings.Fields(`the battery lasts two days but screen scratches easily and
		customer service was slow to answer; délicieux café, fermé le dimanche. 東京 の 首都 🚀
		great value for money would buy again, arrived late; packaging damaged "quoted" words, commas`)
	path := filepath.Join(dir, "bench.csv")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	w.Write([]string{"id", "text"})
	var sb strings.Builder
	x := uint64(88172645463325252)
	for i := range n {
		sb.Reset()
		for sb.Len() < 250 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			sb.WriteString(words[x%uint64(len(words))])
			sb.WriteByte(' ')
		}
		w.Write([]string{strconv.Itoa(i), sb.String()})
	}
	w.Flush()
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// peakHeap samples HeapInuse until stopped and returns the largest value.
func peakHeap() (stop func() uint64) {
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() uint64 { close(done); wg.Wait(); return peak }
}

// cpuTime returns the user + system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// vmHWM returns the process's peak resident set size in bytes, from
// /proc/self/status (0 where unavailable).
func vmHWM() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkEstimate estimates a 1,000,000-row CSV (about 270 MB) with one
// worker and with one per CPU, reporting MB/s of rendered prompt text,
// rows/s, MB/s per worker, MB per CPU-second (the per-core rate, whatever
// else the machine is doing), the peak heap in use and the process's peak
// RSS. BENCH_ESTIMATE_ROWS=100000 makes it quicker.
//
//	go test -run '^$' -bench BenchmarkEstimate -benchtime 1x ./pipeline/
func BenchmarkEstimate(b *testing.B) {
	n := benchRows()
	in := writeBenchCSV(b, b.TempDir(), n)
	job := Job{Input: in, Template: "Summarise this review in one sentence: {{.text}}", Model: "gpt-4o-mini"}
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run("workers="+strconv.Itoa(workers), func(b *testing.B) {
			runtime.GC()
			cpu0 := cpuTime()
			stop := peakHeap()
			var est EstimateReport
			start := time.Now()
			for b.Loop() {
				var err error
				if est, err = Estimate(context.Background(), job, EstimateOptions{Workers: workers}); err != nil {
					b.Fatal(err)
				}
			}
			elapsed := time.Since(start).Seconds() / float64(b.N)
			peak := stop()
			cpu := (cpuTime() - cpu0).Seconds() / float64(b.N)
			if est.Rows != int64(n) {
				b.Fatalf("%d rows estimated, want %d", est.Rows, n)
			}
			mbps := float64(est.PromptBytes) / 1e6 / elapsed
			b.ReportMetric(mbps, "MB/s")
			b.ReportMetric(mbps/float64(workers), "MB/s/worker")
			// Per CPU-second: the per-core rate, unaffected by other load
			// on a shared machine.
			b.ReportMetric(float64(est.PromptBytes)/1e6/cpu, "MB/cpu-s")
			b.ReportMetric(float64(est.Rows)/elapsed, "rows/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(vmHWM())/(1<<20), "VmHWM-MiB")
		})
	}
}
