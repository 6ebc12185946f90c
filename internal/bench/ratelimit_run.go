package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/batchprompt/batchprompt/internal/simulator"
	"github.com/batchprompt/batchprompt/pipeline"
)

// runRateLimit runs c.procs pipelines at once against one simulated key
// and measures what the simulator granted them.
func runRateLimit(ctx context.Context, c rlConfig) (*rlResult, error) {
	rate, charge, ours := expectedRate(c)
	if math.IsInf(rate, 0) {
		return nil, fmt.Errorf("no limit set: give --sim-rpm or --sim-tpm")
	}
	if c.rows <= 0 {
		busy := c.duration.Seconds()
		if c.foreign > 0 {
			// Beside the foreign load only what it leaves is ours.
			busy -= c.foreign * math.Min(c.foreignFor.Seconds(), busy)
		}
		c.rows = int64(math.Ceil(rate * (1 - c.faultRate) * busy * 1.2 / float64(c.procs)))
	}
	dir, err := os.MkdirTemp("", "bench-ratelimit-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)

	log := newReqLog()
	f := c.faultRate
	sim, err := simulator.Start("127.0.0.1:0", simulator.Config{
		RPM: c.simRPM, TPM: c.simTPM, BucketSeconds: c.bucketSeconds, TPMCharge: c.charge,
		ForeignRPM: int64(c.foreign * float64(c.simRPM)), ForeignTPM: int64(c.foreign * float64(c.simTPM)),
		Latency: c.latency, LatencyJitter: c.jitter, Seed: c.seed, RequestLog: log,
		Faults: simulator.Faults{Err500: f * 0.4, Err502HTML: f * 0.3, Err503: f * 0.3},
	})
	if err != nil {
		return nil, err
	}
	defer sim.Close()

	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost, tr.MaxIdleConns = c.concurrency*c.procs, c.concurrency*c.procs
	tm := &timing{next: tr}
	jobs := make([]pipeline.Job, c.procs)
	for p := range c.procs {
		pdir := filepath.Join(dir, fmt.Sprint(p))
		if err := os.Mkdir(pdir, 0o755); err != nil {
			return nil, fmt.Errorf("temp dir: %w", err)
		}
		input := filepath.Join(pdir, "input.csv")
		if err := writeInput(input, p, c.rows, c.words, c.text); err != nil {
			return nil, err
		}
		maxTokens := c.maxTokens
		jobs[p] = pipeline.Job{
			Input: input, Outputs: []string{filepath.Join(pdir, "out.jsonl")},
			Template: benchTemplate, Model: benchModel, Params: pipeline.Params{MaxTokens: &maxTokens},
			IDColumn: "id", State: filepath.Join(pdir, "state.db"),
		}
	}
	opt := pipeline.Options{
		Endpoint:    pipeline.Endpoint{BaseURL: sim.URL, APIKey: "sk-bench", Timeout: 30 * time.Second},
		HTTPClient:  &http.Client{Transport: tm},
		Concurrency: c.concurrency,
		Limits:      pipeline.Limits{RPM: c.givenRPM, TPM: c.givenTPM},
		Headroom:    c.headroom,
	}
	// Rows are sized to finish about 20 % after the window; a slow tail
	// (retries) gets up to four windows more before the run is cut.
	runCtx, cancel := context.WithTimeout(ctx, 4*c.duration+c.warmup)
	defer cancel()
	start := time.Now()
	if c.foreign > 0 {
		stop := time.AfterFunc(c.foreignFor, func() { sim.SetForeignLoad(0, 0) })
		defer stop.Stop()
	}
	sums := make([]pipeline.Summary, c.procs)
	errs := make([]error, c.procs)
	var wg sync.WaitGroup
	for p := range c.procs {
		wg.Go(func() { sums[p], errs[p] = pipeline.Run(runCtx, jobs[p], opt) })
	}
	wg.Wait()
	for p, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("pipeline %d: %w", p, err)
		}
	}
	end := time.Now()
	res := newResult(c, rate, charge, sums, sim.Stats(), log, start, end)
	res.ours = ours
	if c.events != "" {
		if err := writeEvents(c.events+"."+c.mode, log, tm, start); err != nil {
			return nil, err
		}
	}
	q := tm.quantiles(0.5, 0.95)
	res.p50, res.p95 = q[0], q[1]
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
