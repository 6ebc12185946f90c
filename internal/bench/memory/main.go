package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// job is one run to measure: an input format and the outputs it writes.
type job struct {
	in   string
	outs []string
}

// result is one measured run.
type result struct {
	in, out string
	rows    int
	elapsed time.Duration
	peakKB  int64
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("memory", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rowsFlag := fs.String("rows", "100000,1000000", "row counts, comma separated")
	bin := fs.String("bin", "", "batchprompt binary (default: build ./cmd/batchprompt)")
	dir := fs.String("dir", "", "work directory (default: a temporary one, removed at the end)")
	inputs := fs.String("inputs", "csv,tsv,jsonl,parquet", "input formats")
	outputs := fs.String("outputs", "jsonl,csv,tsv,parquet", "output formats")
	separate := fs.Bool("separate", false, "one run per input and output pair, rather than one run per input writing every output")
	conc := fs.Int("concurrency", 64, "batchprompt --concurrency")
	var emb embedFlags
	fs.StringVar(&emb.endpoint, "endpoint", "chat", "batchprompt --endpoint: chat, or embeddings (each review embedded; outputs parquet,jsonl)")
	fs.IntVar(&emb.dimensions, "dimensions", 64, "batchprompt --dimensions, for -endpoint embeddings")
	fs.IntVar(&emb.batch, "embed-batch", 0, "batchprompt --embed-batch, for -endpoint embeddings (0: the default packing; 1: one row per request)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var counts []int
	for _, s := range strings.Split(*rowsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			fmt.Fprintf(stderr, "memory: bad -rows %q\n", s)
			return 2
		}
		counts = append(counts, n)
	}
	work := *dir
	if work != "" {
		if err := os.MkdirAll(work, 0o755); err != nil {
			fmt.Fprintln(stderr, "memory:", err)
			return 1
		}
	} else {
		d, err := os.MkdirTemp("", "bp-memory-")
		if err != nil {
			fmt.Fprintln(stderr, "memory:", err)
			return 1
		}
		defer os.RemoveAll(d)
		work = d
	}
	if *bin == "" {
		*bin = filepath.Join(work, "batchprompt")
		build := exec.CommandContext(ctx, "go", "build", "-o", *bin, "./cmd/batchprompt")
		build.Stdout, build.Stderr = stderr, stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(stderr, "memory: build batchprompt (run from the repository root):", err)
			return 1
		}
	}
	var results []result
	for _, n := range counts {
		made := map[string]string{}
		input := func(format string) (string, error) {
			if p, ok := made[format]; ok {
				return p, nil
			}
			p := filepath.Join(work, fmt.Sprintf("in-%d.%s", n, format))
			fmt.Fprintf(stderr, "generating %s\n", p)
			if err := generate(p, format, n); err != nil {
				return "", fmt.Errorf("generate %s: %w", p, err)
			}
			made[format] = p
			return p, nil
		}
		var jobs []job
		if *separate {
			for _, in := range splitList(*inputs) {
				for _, out := range splitList(*outputs) {
					jobs = append(jobs, job{in, []string{out}})
				}
			}
		} else {
			for _, in := range splitList(*inputs) {
				jobs = append(jobs, job{in, splitList(*outputs)})
			}
		}
		for _, j := range jobs {
			in, err := input(j.in)
			if err != nil {
				fmt.Fprintln(stderr, "memory:", err)
				return 1
			}
			res, err := measure(ctx, *bin, work, in, j.outs, n, *conc, emb)
			if err != nil {
				fmt.Fprintln(stderr, "memory:", err)
				return 1
			}
			res.in = j.in
			fmt.Fprintf(stderr, "  %s -> %s, %d rows: %.1f s, %d rows/s, peak RSS %.1f MiB\n",
				res.in, res.out, n, res.elapsed.Seconds(), int(float64(n)/res.elapsed.Seconds()), float64(res.peakKB)/1024)
			results = append(results, res)
		}
		for _, p := range made {
			os.Remove(p)
		}
	}
	report(stdout, results, counts, emb.target())
	return 0
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// measure runs one simulated job as a child process and returns its wall
// time and peak resident set size.
func measure(ctx context.Context, bin, work, in string, outFormats []string, n, conc int, emb embedFlags) (result, error) {
	state := filepath.Join(work, "state.db")
	files := []string{state, state + "-wal", state + "-shm"}
	args := append([]string{"run", "-i", in, "--state", state}, emb.args()...)
	args = append(args, "--id-column", "id", "--keep", "product,rating",
		"--concurrency", strconv.Itoa(conc),
		"--simulate", "--sim-latency", "0", "--sim-latency-jitter", "0")
	for _, f := range outFormats {
		out := filepath.Join(work, "out."+f)
		files = append(files, out)
		args = append(args, "-o", out)
	}
	for _, p := range files {
		os.Remove(p)
	}
	outFormat := strings.Join(outFormats, "+")
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout = io.Discard
	var errBuf strings.Builder
	cmd.Stderr = &errBuf
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	if err != nil {
		return result{}, fmt.Errorf("%s -> %s: %w\n%s", in, outFormat, err, tail(errBuf.String(), 2000))
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return result{}, fmt.Errorf("no rusage on this platform")
	}
	for _, p := range files {
		os.Remove(p)
	}
	return result{out: outFormat, rows: n, elapsed: elapsed, peakKB: ru.Maxrss}, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// report prints the table and the RSS ratio between row counts.
func report(w io.Writer, results []result, counts []int, target float64) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "input\toutput\trows\tseconds\trows/s\tpeak RSS MiB\t")
	peak := map[[3]string]int64{}
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%.0f\t%.1f\t\n", r.in, r.out, r.rows, r.elapsed.Seconds(),
			float64(r.rows)/r.elapsed.Seconds(), float64(r.peakKB)/1024)
		peak[[3]string{r.in, r.out, strconv.Itoa(r.rows)}] = r.peakKB
	}
	tw.Flush()
	if len(counts) < 2 {
		return
	}
	lo, hi := strconv.Itoa(counts[0]), strconv.Itoa(counts[len(counts)-1])
	fmt.Fprintf(w, "\npeak RSS at %s rows / at %s rows (target <= %.1f):\n", hi, lo, target)
	for _, r := range results {
		if strconv.Itoa(r.rows) != lo {
			continue
		}
		a, b := peak[[3]string{r.in, r.out, lo}], peak[[3]string{r.in, r.out, hi}]
		if a == 0 || b == 0 {
			continue
		}
		verdict := "ok"
		if float64(b)/float64(a) > target {
			verdict = "MISSED"
		}
		fmt.Fprintf(w, "  %-8s -> %-26s %.2f  %s\n", r.in, r.out, float64(b)/float64(a), verdict)
	}
}
