package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/simulator"
	"github.com/batchprompt/batchprompt/pipeline"
)

// rlConfig is one ratelimit benchmark run.
type rlConfig struct {
	mode             string
	simRPM, simTPM   int64
	faultRate        float64
	duration, warmup time.Duration
	concurrency      int
	latency, jitter  time.Duration
	maxTokens        int64
	words            int
	rows             int64
	headroom         float64
	bucketSeconds    float64
	givenRPM         float64
	givenTPM         float64
	seed             int64
	events           string
}

// modeDefaults are the simulator settings of each mode: RPM-bound,
// TPM-bound, and RPM-bound with 10 % injected 5xx faults.
var modeDefaults = map[string]struct {
	rpm, tpm int64
	faults   float64
}{
	"rpm":    {rpm: 600, tpm: 1_000_000},
	"tpm":    {rpm: 20_000, tpm: 150_000},
	"faults": {rpm: 600, tpm: 1_000_000, faults: 0.10},
}

func rateLimitCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ratelimit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c rlConfig
	fs.StringVar(&c.mode, "mode", "all", "rpm (RPM-bound), tpm (TPM-bound), faults (RPM-bound, 10 % 5xx) or all")
	fs.Int64Var(&c.simRPM, "sim-rpm", 0, "simulator requests per minute (0: the mode's default)")
	fs.Int64Var(&c.simTPM, "sim-tpm", 0, "simulator tokens per minute (0: the mode's default)")
	fs.Float64Var(&c.faultRate, "fault-rate", -1, "share of requests answered 500/502/503 (-1: the mode's default)")
	fs.DurationVar(&c.duration, "duration", 60*time.Second, "end of the measured window; rows are sized to run a little past it")
	fs.DurationVar(&c.warmup, "warmup", 15*time.Second, "start of the measured window (steady state)")
	fs.IntVar(&c.concurrency, "concurrency", 256, "pipeline --concurrency")
	fs.DurationVar(&c.latency, "latency", 300*time.Millisecond, "simulator base latency")
	fs.DurationVar(&c.jitter, "jitter", 400*time.Millisecond, "simulator latency jitter, added uniformly in [0, jitter)")
	fs.Int64Var(&c.maxTokens, "max-tokens", 100, "max_tokens of every request")
	fs.IntVar(&c.words, "words", 40, "words per prompt")
	fs.Int64Var(&c.rows, "rows", 0, "input rows (0: enough to run about 10 % past --duration)")
	fs.Float64Var(&c.headroom, "headroom", 0.02, "pipeline --headroom")
	fs.Float64Var(&c.bucketSeconds, "bucket-seconds", 0, "simulator bucket capacity in seconds of the limit (0: its default, 5)")
	fs.Float64Var(&c.givenRPM, "rpm", 0, "give the pipeline this RPM instead of learning it")
	fs.Float64Var(&c.givenTPM, "tpm", 0, "give the pipeline this TPM instead of learning it")
	fs.Int64Var(&c.seed, "seed", 1, "simulator fault seed")
	fs.StringVar(&c.events, "events", "", "write every request the simulator saw to this file (seconds, status, charge) and client send times to FILE.sends")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	modes := []string{c.mode}
	if c.mode == "all" {
		modes = []string{"rpm", "tpm", "faults"}
	}
	code := 0
	for _, m := range modes {
		d, ok := modeDefaults[m]
		if !ok {
			fmt.Fprintf(stderr, "ratelimit: unknown --mode %q (rpm, tpm, faults, all)\n", m)
			return 2
		}
		rc := c
		rc.mode = m
		if rc.simRPM == 0 {
			rc.simRPM = d.rpm
		}
		if rc.simTPM == 0 {
			rc.simTPM = d.tpm
		}
		if rc.faultRate < 0 {
			rc.faultRate = d.faults
		}
		res, err := runRateLimit(ctx, rc)
		if err != nil {
			fmt.Fprintf(stderr, "ratelimit %s: %v\n", m, err)
			return 1
		}
		if !res.print(stdout) {
			code = 3
		}
		if ctx.Err() != nil {
			return 130
		}
	}
	return code
}

// promptText returns row i's text: words deterministic per row, distinct
// between rows so that every request has its own hash (and fault draws).
func promptText(i int64, words int) string {
	vocab := strings.Fields("the quick brown fox jumps over a lazy dog while seven tired " +
		"engineers measure throughput latency and rate limits under steady load")
	var b strings.Builder
	fmt.Fprintf(&b, "row %d:", i)
	x := uint64(i)*0x9e3779b97f4a7c15 + 1
	for range words {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b.WriteByte(' ')
		b.WriteString(vocab[x%uint64(len(vocab))])
	}
	return b.String()
}

const (
	benchModel    = "gpt-4o-mini"
	benchTemplate = "Summarise in one line: {{.text}}"
)

// expectedRate returns the requests per second the binding limit allows
// and the charge of a typical request.
func expectedRate(c rlConfig) (float64, int64) {
	counter := budget.NewCounter()
	text := strings.Replace(benchTemplate, "{{.text}}", promptText(123456, c.words), 1)
	charge := budget.TPMCharge(int64(counter.Chat(benchModel, []budget.Message{{Role: "user", Content: text}})), c.maxTokens)
	r := math.Inf(1)
	if c.simRPM > 0 {
		r = float64(c.simRPM) / 60
	}
	if c.simTPM > 0 {
		r = math.Min(r, float64(c.simTPM)/60/float64(charge))
	}
	return r, charge
}

func writeInput(path string, rows int64, words int) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create input %s: %w", path, err)
	}
	w := &strings.Builder{}
	w.WriteString("id,text\n")
	for i := range rows {
		fmt.Fprintf(w, "%d,%s\n", i, promptText(i, words))
	}
	if _, err := io.WriteString(f, w.String()); err != nil {
		f.Close()
		return fmt.Errorf("write input %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close input %s: %w", path, err)
	}
	return nil
}

func runRateLimit(ctx context.Context, c rlConfig) (*rlResult, error) {
	rate, charge := expectedRate(c)
	if math.IsInf(rate, 0) {
		return nil, fmt.Errorf("no limit set: give --sim-rpm or --sim-tpm")
	}
	if c.rows <= 0 {
		c.rows = int64(math.Ceil(rate * (1 - c.faultRate) * c.duration.Seconds() * 1.1))
	}
	dir, err := os.MkdirTemp("", "bench-ratelimit-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	input := filepath.Join(dir, "input.csv")
	if err := writeInput(input, c.rows, c.words); err != nil {
		return nil, err
	}

	log := newReqLog()
	f := c.faultRate
	sim, err := simulator.Start("127.0.0.1:0", simulator.Config{
		RPM: c.simRPM, TPM: c.simTPM, BucketSeconds: c.bucketSeconds,
		Latency: c.latency, LatencyJitter: c.jitter, Seed: c.seed, RequestLog: log,
		Faults: simulator.Faults{Err500: f * 0.4, Err502HTML: f * 0.3, Err503: f * 0.3},
	})
	if err != nil {
		return nil, err
	}
	defer sim.Close()

	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost, tr.MaxIdleConns = c.concurrency, c.concurrency
	tm := &timing{next: tr}
	maxTokens := c.maxTokens
	job := pipeline.Job{
		Input: input, Outputs: []string{filepath.Join(dir, "out.jsonl")},
		Template: benchTemplate, Model: benchModel, Params: pipeline.Params{MaxTokens: &maxTokens},
		IDColumn: "id", State: filepath.Join(dir, "state.db"),
	}
	opt := pipeline.Options{
		Endpoint:    pipeline.Endpoint{BaseURL: sim.URL, APIKey: "sk-bench", Timeout: 30 * time.Second},
		HTTPClient:  &http.Client{Transport: tm},
		Concurrency: c.concurrency,
		Limits:      pipeline.Limits{RPM: c.givenRPM, TPM: c.givenTPM},
		Headroom:    c.headroom,
	}
	// Rows are sized to finish about 10 % after the window; a slow tail
	// (retries) gets up to four windows more before the run is cut.
	runCtx, cancel := context.WithTimeout(ctx, 4*c.duration+c.warmup)
	defer cancel()
	start := time.Now()
	sum, err := pipeline.Run(runCtx, job, opt)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	end := time.Now()
	wEnd := start.Add(c.duration)
	if end.Before(wEnd) {
		wEnd = end
	}
	res := &rlResult{cfg: c, charge: charge, expectRate: rate, sum: sum, stats: sim.Stats(),
		elapsed: end.Sub(start), win: log.window(start.Add(c.warmup), wEnd), all: log.window(start, end.Add(time.Second)),
		burst: log.worstSecond(start.Add(c.warmup), wEnd)}
	if c.events != "" {
		if err := writeEvents(c.events+"."+c.mode, log, tm, start); err != nil {
			return nil, err
		}
	}
	res.p50, res.p95 = tm.quantiles(0.5, 0.95)[0], tm.quantiles(0.5, 0.95)[1]
	return res, nil
}

func writeEvents(path string, log *reqLog, tm *timing, start time.Time) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("events: %w", err)
	}
	if err := log.dump(f, start); err != nil {
		f.Close()
		return fmt.Errorf("events %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("events %s: %w", path, err)
	}
	var b strings.Builder
	tm.mu.Lock()
	for _, t := range tm.sends {
		fmt.Fprintf(&b, "%.4f\n", t.Sub(start).Seconds())
	}
	tm.mu.Unlock()
	if err := os.WriteFile(path+".sends", []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("events: %w", err)
	}
	return nil
}
