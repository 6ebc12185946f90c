package main

import (
	"path/filepath"
	"testing"
	"time"
)

// TestCrashSIGKILLWhileDeduping kills a run whose input repeats itself
// (30 % of its rows ask what an earlier row asks) at set answer counts,
// resumes it each time, and checks that no row is lost, the outputs equal
// an uninterrupted run's, and no distinct request was paid twice unless it
// was in flight at a kill: copies are resolved from the state database by
// hash, never by sending again.
func TestCrashSIGKILLWhileDeduping(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary several times")
	}
	t.Parallel()
	start := time.Now()
	const n, distinct = 2000, 1400
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	writeCrashInput(t, in, n, func(i int, text string) string { return messyText(i % distinct) })
	args := func(out, state, url string) []string {
		// The prompt is the text alone, so repeated texts are identical requests.
		return jobArgs(in, out, state, url, "--template", "{{.text}}", "--progress-interval", "1h")
	}
	refTap := startTap(t, crashSim())
	ref := filepath.Join(dir, "ref")
	rc := startChild(t, args(ref, filepath.Join(dir, "ref.state.db"), refTap.url(0)))
	if code, _ := rc.wait(t); code != 0 {
		t.Fatalf("uninterrupted run: exit %d\n%s", code, rc.stderr.String())
	}
	if got := len(refTap.paidIn(0)); got != distinct {
		t.Fatalf("the uninterrupted run paid for %d requests, want %d (one per distinct request)", got, distinct)
	}

	points := []int{100, 450, 800, 1150}
	tp := startTap(t, crashSim())
	out, state := filepath.Join(dir, "out"), filepath.Join(dir, "out.state.db")
	atRisk := map[string]bool{} // in flight at some kill
	inFlight := 0               // summed over the kills: each may cost one more payment
	kills, runs := 0, 0
	for life := 0; ; life++ {
		if life > 3*len(points) {
			t.Fatalf("still not done after %d runs", life)
		}
		runs++
		c := startChild(t, args(out, state, tp.url(life)))
		fired := false
		var active []string
		if kills < len(points) {
			proc := c.cmd.Process
			tp.arm(points[kills], func(a []string) { active, fired = a, true; proc.Kill() })
		}
		code, killed := c.wait(t)
		tp.nextLife()
		if killed {
			if !fired {
				t.Fatalf("run %d: killed by something other than the test", life)
			}
			committed := committedOK(t, state)
			here := map[string]bool{}
			for _, h := range active {
				here[h] = true
			}
			for _, h := range tp.paidIn(life) {
				if !committed[h] {
					here[h] = true // answered, not yet committed
				}
			}
			for h := range here {
				atRisk[h] = true
			}
			inFlight += len(here)
			kills++
			continue
		}
		if code == 0 {
			break
		}
		if code != exitInterrupted {
			t.Fatalf("run %d: exit %d", life, code)
		}
	}
	checkOutputs(t, out, ref, n)
	if got := len(committedOK(t, state)); got != distinct {
		t.Errorf("%d distinct answered requests in the state database, want %d", got, distinct)
	}
	twice, hashes := tp.paidFigures()
	for _, h := range hashes {
		if !atRisk[h] {
			t.Errorf("request %s was paid twice but was not in flight at any kill", h)
		}
	}
	if twice > inFlight {
		t.Errorf("%d payments beyond the first > %d requests in flight at the kills", twice, inFlight)
	}
	t.Logf("SIGKILL while deduping: %d rows, %d distinct, %d kills, %d runs; paid again %d ≤ in flight at the kills %d; %s",
		n, distinct, kills, runs, twice, inFlight, time.Since(start).Round(time.Millisecond))
}
