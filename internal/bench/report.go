package main

import (
	"fmt"
	"io"
	"time"

	"github.com/batchprompt/batchprompt/internal/simulator"
	"github.com/batchprompt/batchprompt/pipeline"
)

// rlResult is one run's figures.
type rlResult struct {
	cfg        rlConfig
	charge     int64
	expectRate float64
	sum        pipeline.Summary
	stats      simulator.Stats
	elapsed    time.Duration
	win, all   window
	burst      int
	p50, p95   time.Duration
}

// Targets from issue 4.
const (
	targetShare   = 0.95  // of the binding limit, steady state
	target429     = 0.005 // of all requests
	targetRowsAll = 1.0   // rows completed with faults on
)

// print writes the report and says whether every target was met.
func (r *rlResult) print(w io.Writer) bool {
	c := r.cfg
	mins := r.win.dur.Minutes()
	rpm := float64(r.win.admitted) / mins
	tpm := float64(r.win.tokens) / mins
	rpmShare := rpm / float64(c.simRPM)
	tpmShare := tpm / float64(c.simTPM)
	binding, share := "RPM", rpmShare
	if tpmShare > rpmShare {
		binding, share = "TPM", tpmShare
	}
	limited := r.stats.RateLimited
	share429 := float64(limited) / float64(max(r.stats.Requests, 1))
	completed := r.sum.OK + r.sum.Failed
	rowsShare := float64(r.sum.OK) / float64(max(c.rows, 1))

	fmt.Fprintf(w, "== ratelimit mode=%s: simulator RPM %d, TPM %d, bucket %gs, latency %v+[0,%v), 5xx %.0f %%, concurrency %d\n",
		c.mode, c.simRPM, c.simTPM, bucketOr5(c.bucketSeconds), c.latency, c.jitter, c.faultRate*100, c.concurrency)
	fmt.Fprintf(w, "   limits learned by the pipeline: RPM %.0f, TPM %.0f (headroom %.0f %%); charge per request %d tokens\n",
		r.sum.Limits.RPM, r.sum.Limits.TPM, c.headroom*100, r.charge)
	fmt.Fprintf(w, "   steady state %v..%v: %.1f requests/min = %.1f %% of RPM; %.0f tokens/min = %.1f %% of TPM; binding %s\n",
		c.warmup, c.warmup+r.win.dur, rpm, rpmShare*100, tpm, tpmShare*100, binding)
	capReq := bucketOr5(c.bucketSeconds) * float64(c.simRPM) / 60
	capTok := bucketOr5(c.bucketSeconds) * float64(c.simTPM) / 60 / float64(max(r.charge, 1))
	fmt.Fprintf(w, "   busiest second in steady state: %d requests admitted (simulator buckets hold %.0f requests)\n",
		r.burst, min(capReq, capTok))
	fmt.Fprintf(w, "   429s: %d of %d requests (%.2f %%), %d in steady state; retries %d; faults %d\n",
		limited, r.stats.Requests, share429*100, r.win.limited, r.sum.Retries, faults(r.stats.Faults))
	fmt.Fprintf(w, "   latency per attempt p50 %v, p95 %v\n", r.p50.Round(time.Millisecond), r.p95.Round(time.Millisecond))
	fmt.Fprintf(w, "   rows: %d of %d completed (%d ok, %d error rows), stop %s, wall time %v\n",
		completed, c.rows, r.sum.OK, r.sum.Failed, r.sum.Stop, r.elapsed.Round(time.Second))
	ok := true
	check := func(name string, pass bool) {
		mark := "PASS"
		if !pass {
			mark, ok = "FAIL", false
		}
		fmt.Fprintf(w, "   %s %s\n", mark, name)
	}
	check(fmt.Sprintf("≥ %.0f %% of the binding limit (%.1f %%)", targetShare*100, share*100), share >= targetShare)
	check(fmt.Sprintf("429s ≤ %.1f %% of requests (%.2f %%)", target429*100, share429*100), share429 <= target429)
	check(fmt.Sprintf("%.0f %% of rows completed with a result (%.2f %%)", targetRowsAll*100, rowsShare*100), rowsShare >= targetRowsAll && r.sum.Stop == pipeline.Completed)
	return ok
}

func bucketOr5(s float64) float64 {
	if s <= 0 {
		return 5
	}
	return s
}

func faults(f simulator.FaultStats) int64 {
	return f.Err500 + f.Err502HTML + f.Err503 + f.Reset + f.Hang + f.Truncated
}
