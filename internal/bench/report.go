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
	charge     int64 // the server's charge of a typical request
	ours       int64 // our count of it
	expectRate float64
	sums       []pipeline.Summary
	stats      simulator.Stats
	elapsed    time.Duration
	win, all   window   // everyone, in the steady state and over the run
	procs      []window // each process in the steady state
	burst      int
	p50, p95   time.Duration

	// With a foreign load: the window after it stopped, and how long
	// after it stopped the requests first ran at ≥ 95 % of the limit over
	// convergeSlide (-1: never).
	after    window
	converge time.Duration
}

// convergeSlide is the window over which convergence is judged.
const convergeSlide = 5 * time.Second

func newResult(c rlConfig, rate float64, charge int64, sums []pipeline.Summary, st simulator.Stats, log *reqLog, start, end time.Time) *rlResult {
	wEnd := start.Add(c.duration)
	if c.foreign > 0 {
		wEnd = start.Add(c.foreignFor)
	}
	if end.Before(wEnd) {
		wEnd = end
	}
	from := start.Add(c.warmup)
	r := &rlResult{cfg: c, charge: charge, expectRate: rate, sums: sums, stats: st, elapsed: end.Sub(start),
		win: log.window(from, wEnd, -1), all: log.window(start, end.Add(time.Second), -1),
		burst: log.worstSecond(from, wEnd)}
	for p := range c.procs {
		r.procs = append(r.procs, log.window(from, wEnd, p))
	}
	if c.foreign > 0 {
		stop := start.Add(c.foreignFor)
		aEnd := start.Add(c.duration)
		if end.Before(aEnd) {
			aEnd = end
		}
		r.after = log.window(stop.Add(15*time.Second), aEnd, -1)
		r.converge = log.converged(stop, aEnd, float64(c.simRPM), targetConverge, convergeSlide)
	}
	return r
}

// Targets from issues 4 and 14.
const (
	targetShare     = 0.95  // of the binding limit, steady state (mirror modes, shared keys, foreign load)
	targetCharShare = 0.97  // of the binding limit under the character-based charge
	target429       = 0.005 // of all requests (mirror and character modes)
	targetShared429 = 0.01  // with others on the key
	targetFair      = 0.6   // of an equal share, each process
	targetConverge  = 0.95  // of the whole limit after the foreign load stops ...
	targetWithin    = 15 * time.Second
)

// shares returns w's requests and tokens per minute as shares of rpm and tpm.
func shares(w window, rpm, tpm float64) (float64, float64) {
	mins := w.dur.Minutes()
	return float64(w.admitted) / mins / rpm, float64(w.tokens) / mins / tpm
}

// print writes the report and says whether every target was met.
func (r *rlResult) print(w io.Writer) bool {
	c := r.cfg
	left := 1 - c.foreign // what the foreign load leaves
	rpmShare, tpmShare := shares(r.win, float64(c.simRPM)*left, float64(c.simTPM)*left)
	binding, share := "RPM", rpmShare
	if tpmShare > rpmShare {
		binding, share = "TPM", tpmShare
	}
	limited := r.all.limited
	share429 := float64(limited) / float64(max(r.all.requests, 1))
	var ok, failed int64
	for _, s := range r.sums {
		ok, failed = ok+s.OK, failed+s.Failed
	}
	rows := c.rows * int64(c.procs)

	fmt.Fprintf(w, "== ratelimit mode=%s: simulator RPM %d, TPM %d (charge: %s), bucket %gs, latency %v+[0,%v), 5xx %.0f %%, %d process(es), concurrency %d\n",
		c.mode, c.simRPM, c.simTPM, c.charge, bucketOr5(c.bucketSeconds), c.latency, c.jitter, c.faultRate*100, c.procs, c.concurrency)
	if c.foreign > 0 {
		fmt.Fprintf(w, "   foreign load: %.0f %% of both limits for the first %v, then none\n", c.foreign*100, c.foreignFor)
	}
	fmt.Fprintf(w, "   limits learned by process 0: RPM %.0f, TPM %.0f (headroom %.0f %%); a request ≈ %d tokens in the server's count, %d in ours (×%.2f)\n",
		r.sums[0].Limits.RPM, r.sums[0].Limits.TPM, c.headroom*100, r.charge, r.ours, float64(r.charge)/float64(max(r.ours, 1)))
	of := "of the limit"
	if c.foreign > 0 {
		of = "of what the foreign load leaves"
	}
	ofLeft := ""
	if c.foreign > 0 {
		ofLeft = " " + of
	}
	mins := r.win.dur.Minutes()
	fmt.Fprintf(w, "   steady state %v..%v: %.1f requests/min = %.1f %% of RPM; %.0f tokens/min (server's count) = %.1f %% of TPM, %s; binding %s\n",
		c.warmup, c.warmup+r.win.dur, float64(r.win.admitted)/mins, rpmShare*100, float64(r.win.tokens)/mins, tpmShare*100, of, binding)
	fair := 1.0
	if c.procs > 1 {
		for p, pw := range r.procs {
			pr, pt := shares(pw, float64(c.simRPM), float64(c.simTPM))
			ps := pr
			if binding == "TPM" {
				ps = pt
			}
			fair = min(fair, ps*float64(c.procs))
			fmt.Fprintf(w, "   process %d: %.1f %% of RPM, %.1f %% of TPM = %.0f %% of an equal share; 429s %d of %d requests\n",
				p, pr*100, pt*100, ps*float64(c.procs)*100, pw.limited, pw.requests)
		}
	}
	afterShare := 0.0
	if c.foreign > 0 {
		afterShare, _ = shares(r.after, float64(c.simRPM), float64(c.simTPM))
		conv := "never"
		if r.converge >= 0 {
			conv = r.converge.Round(100 * time.Millisecond).String()
		}
		fmt.Fprintf(w, "   after the foreign load stopped: %.1f %% of the whole RPM limit from 15 s after; ≥ %.0f %% over %v first reached %s after it stopped\n",
			afterShare*100, targetConverge*100, convergeSlide, conv)
	}
	capReq := bucketOr5(c.bucketSeconds) * float64(c.simRPM) / 60
	capTok := bucketOr5(c.bucketSeconds) * float64(c.simTPM) / 60 / float64(max(r.charge, 1))
	fmt.Fprintf(w, "   busiest second in steady state: %d requests admitted (simulator buckets hold %.0f requests)\n",
		r.burst, min(capReq, capTok))
	fmt.Fprintf(w, "   429s: %d of %d requests (%.2f %%), %d in steady state; faults %d\n",
		limited, r.all.requests, share429*100, r.win.limited, faults(r.stats.Faults))
	fmt.Fprintf(w, "   latency per attempt p50 %v, p95 %v\n", r.p50.Round(time.Millisecond), r.p95.Round(time.Millisecond))
	fmt.Fprintf(w, "   rows: %d of %d completed (%d ok, %d error rows), wall time %v\n",
		ok+failed, rows, ok, failed, r.elapsed.Round(time.Second))
	pass := true
	check := func(name string, good bool) {
		mark := "PASS"
		if !good {
			mark, pass = "FAIL", false
		}
		fmt.Fprintf(w, "   %s %s\n", mark, name)
	}
	want, want429 := targetShare, target429
	if c.charge == simulator.TPMChargeChars && c.procs == 1 && c.foreign == 0 {
		want = targetCharShare
	}
	if c.procs > 1 || c.foreign > 0 {
		want429 = targetShared429
	}
	check(fmt.Sprintf("≥ %.0f %% of the binding limit%s (%.1f %%)", want*100, ofLeft, share*100), share >= want)
	check(fmt.Sprintf("429s ≤ %.1f %% of requests (%.2f %%)", want429*100, share429*100), share429 <= want429)
	if c.procs > 1 {
		check(fmt.Sprintf("each process ≥ %.0f %% of an equal share (least %.0f %%)", targetFair*100, fair*100), fair >= targetFair)
	}
	if c.foreign > 0 {
		check(fmt.Sprintf("≥ %.0f %% of the whole limit within %v after the foreign load stops", targetConverge*100, targetWithin),
			r.converge >= 0 && r.converge <= targetWithin)
	}
	completed := ok == rows
	for _, s := range r.sums {
		completed = completed && s.Stop == pipeline.Completed
	}
	check(fmt.Sprintf("every row completed with a result (%d of %d)", ok, rows), completed)
	return pass
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
