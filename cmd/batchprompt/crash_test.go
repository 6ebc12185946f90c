package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// These tests run the real binary as a child process against a simulator
// that lives in the test process, so it survives the child being killed
// and sees every request of every run. Kill points are counts of answers
// given by the simulator, never times.

const crashRows = 3000

// crashSim is the faulty, slightly slow simulator of the crash tests.
func crashSim() simulator.Config {
	return simulator.Config{
		Faults:  simulator.Faults{Err500: 0.03, Reset: 0.02},
		Seed:    7,
		Latency: 2 * time.Millisecond, LatencyJitter: 4 * time.Millisecond,
	}
}

// jobArgs is the command line of the tests' job writing <out>.csv and
// <out>.jsonl.
func jobArgs(in, out, state, url string, extra ...string) []string {
	return append([]string{"run", "-i", in, "-o", out + ".csv", "-o", out + ".jsonl",
		"--template", "{{.id}}: {{.text}}", "--id-column", "id", "--keep", "lang",
		"--base-url", url, "--concurrency", "32", "--state", state,
		"--progress-interval", "0", "-q"}, extra...)
}

// reference runs the job uninterrupted into a fresh state against a fresh
// simulator and returns the outputs' base path.
func reference(t *testing.T, dir, in string) string {
	t.Helper()
	tp := startTap(t, crashSim())
	out := filepath.Join(dir, "ref")
	c := startChild(t, jobArgs(in, out, filepath.Join(dir, "ref.state.db"), tp.url(0)))
	if code, _ := c.wait(t); code != 0 {
		t.Fatalf("uninterrupted run: exit %d\n%s", code, c.stderr.String())
	}
	return out
}

// killRecord is what one SIGKILL left behind.
type killRecord struct {
	at, life    int
	fired       bool
	active      []string        // hashes inside the simulator's handler at the kill
	uncommitted []string        // answered 200 in that run, not committed as OK
	committed   map[string]bool // OK hashes in the state database after the kill
}

func TestCrashSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary many times")
	}
	t.Parallel()
	start := time.Now()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	writeCrashInput(t, in, crashRows, nil)
	ref := reference(t, dir, in)

	points := []int{150, 700, 1400, 2100, 2600}
	tp := startTap(t, crashSim())
	out, state := filepath.Join(dir, "out"), filepath.Join(dir, "out.state.db")
	var kills []*killRecord
	runs := 0
	for life := 0; ; life++ {
		if life > 3*len(points) {
			t.Fatalf("still not done after %d runs", life)
		}
		runs++
		c := startChild(t, jobArgs(in, out, state, tp.url(life)))
		var k *killRecord
		if len(kills) < len(points) {
			k = &killRecord{at: points[len(kills)], life: life}
			proc := c.cmd.Process
			tp.arm(k.at, func(active []string) {
				k.active, k.fired = active, true
				proc.Kill()
			})
		}
		code, killed := c.wait(t)
		tp.nextLife() // every request of this run has left the handler
		if killed {
			if k == nil || !k.fired {
				t.Fatalf("run %d: killed by something other than the test\n%s", life, c.stderr.String())
			}
			k.committed = committedOK(t, state)
			kills = append(kills, k)
			continue
		}
		if code == 0 {
			break
		}
		if code != exitInterrupted { // 5: rows out of retries stay pending
			t.Fatalf("run %d: exit %d\n%s", life, code, c.stderr.String())
		}
	}
	if len(kills) != len(points) {
		t.Fatalf("%d kills, want %d", len(kills), len(points))
	}
	checkOutputs(t, out, ref, crashRows)

	// Every OK row in the database was answered by this simulator, with
	// the request hash the pipeline stored: the figures below compare like
	// with like.
	final := committedOK(t, state)
	if len(final) != crashRows {
		t.Fatalf("%d OK rows in the state database, want %d", len(final), crashRows)
	}
	tp.mu.Lock()
	paid := clonePaid(tp.paid)
	tp.mu.Unlock()
	for h := range final {
		if len(paid[h]) == 0 {
			t.Fatalf("OK row with request hash %s was never answered 200 by the simulator", h)
		}
	}

	// A row committed before a kill is never paid for again; a row paid
	// twice was in flight (inside the server, or answered but not yet
	// committed) at some kill.
	atRisk := map[string]bool{}
	inFlight, activeSum, uncommittedSum := 0, 0, 0
	for _, k := range kills {
		// Counted only now: a request a killed child sent may reach the
		// server after the next child started.
		for _, h := range tp.paidIn(k.life) {
			if !k.committed[h] {
				k.uncommitted = append(k.uncommitted, h)
			}
		}
		for h := range k.committed {
			for _, l := range paid[h] {
				if l > k.life {
					t.Errorf("request %s was committed before the kill at %d answers and paid again in run %d", h, k.at, l)
				}
			}
		}
		// A request still in the server at the kill may yet be answered
		// 200 and so be among the uncommitted too: count it once.
		here := map[string]bool{}
		for _, h := range append(slices.Clone(k.active), k.uncommitted...) {
			here[h], atRisk[h] = true, true
		}
		inFlight += len(here)
		activeSum += len(k.active)
		uncommittedSum += len(k.uncommitted)
		// The committer holds at most 2×500 rows, plus the 32 requests
		// on their way: a design bound, not a timing one.
		if len(k.uncommitted) > 2*500+32 {
			t.Errorf("kill at %d: %d answers paid but not committed", k.at, len(k.uncommitted))
		}
		t.Logf("kill at %d answers (run %d): %d in the server, %d answered but not committed, %d rows committed",
			k.at, k.life, len(k.active), len(k.uncommitted), len(k.committed))
	}
	twice, hashes := tp.paidFigures()
	for _, h := range hashes {
		if !atRisk[h] {
			t.Errorf("request %s was paid twice but was not in flight at any kill", h)
		}
	}
	if twice > inFlight {
		t.Errorf("%d requests paid twice > %d in flight at the kills", twice, inFlight)
	}
	t.Logf("SIGKILL: %d rows, %d kills, %d runs, %d requests answered; paid twice %d ≤ in flight at the kills %d (%d inside the server, %d answered but not committed); %s",
		crashRows, len(kills), runs, tp.requests(), twice, inFlight, activeSum, uncommittedSum, time.Since(start).Round(time.Millisecond))
}

// clonePaid copies the tap's hash → lifetimes map.
func clonePaid(m map[string][]int) map[string][]int {
	out := make(map[string][]int, len(m))
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}

func TestCrashSIGINT(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary several times")
	}
	t.Parallel()
	start := time.Now()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	writeCrashInput(t, in, crashRows, nil)
	ref := reference(t, dir, in)

	tp := startTap(t, crashSim())
	out, state := filepath.Join(dir, "out"), filepath.Join(dir, "out.state.db")
	args := jobArgs(in, out, state, tp.url(0))
	const at = 1000
	c := startChild(t, args)
	var active []string
	fired := false
	proc := c.cmd.Process
	tp.arm(at, func(a []string) {
		active, fired = a, true
		proc.Signal(os.Interrupt)
	})
	code, _ := c.wait(t)
	tp.nextLife()
	if !fired || code != exitInterrupted {
		t.Fatalf("interrupted run: exit %d (interrupt sent: %v), want %d\n%s", code, fired, exitInterrupted, c.stderr.String())
	}
	if want := "resume with: " + resumeCommand(args); !strings.Contains(c.stderr.String(), want) {
		t.Fatalf("interrupted run: stderr lacks %q:\n%s", want, c.stderr.String())
	}
	committed := len(committedOK(t, state))
	if _, err := os.Stat(out + ".csv"); err == nil {
		t.Fatalf("an interrupted run wrote %s.csv", out)
	}

	c = startChild(t, jobArgs(in, out, state, tp.url(1)))
	if code, _ := c.wait(t); code != 0 {
		t.Fatalf("resumed run: exit %d\n%s", code, c.stderr.String())
	}
	checkOutputs(t, out, ref, crashRows)
	twice, hashes := tp.paidFigures()
	if twice != 0 {
		t.Errorf("%d requests paid twice across the interrupt, e.g. %v", twice, hashes[:min(3, len(hashes))])
	}
	t.Logf("SIGINT: %d rows, interrupt at %d answers with %d requests in the server, %d rows committed at exit 5; %d requests answered; paid twice %d; %s",
		crashRows, at, len(active), committed, tp.requests(), twice, time.Since(start).Round(time.Millisecond))
}

// withTemplate returns args with the --template value replaced.
func withTemplate(args []string, tpl string) []string {
	out := slices.Clone(args)
	for i, a := range out {
		if a == "--template" && i+1 < len(out) {
			out[i+1] = tpl
		}
	}
	return out
}

// TestRerunAfterEdits: an edited row is the only one sent again; a changed
// template is refused, naming what changed and --restart; --restart keeps
// the old database as .bak and sends everything again.
func TestRerunAfterEdits(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary several times")
	}
	const n, edited = 200, 57
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	writeCrashInput(t, in, n, nil)
	tp := startTap(t, simulator.Config{})
	out, state := filepath.Join(dir, "out"), filepath.Join(dir, "out.state.db")
	args := jobArgs(in, out, state, tp.base+"/v1")
	life := 0
	// run runs the binary to its end and returns its exit code, stderr and
	// the requests the simulator answered meanwhile.
	run := func(args []string) (int, string, int) {
		t.Helper()
		before := tp.requests()
		c := startChild(t, args)
		code, killed := c.wait(t)
		if killed {
			t.Fatalf("run %d: killed\n%s", life, c.stderr.String())
		}
		tp.nextLife()
		life++
		return code, c.stderr.String(), tp.requests() - before
	}

	if code, errs, sent := run(args); code != 0 || sent != n {
		t.Fatalf("first run: exit %d, %d requests, want 0 and %d\n%s", code, sent, n, errs)
	}
	first := stableCSV(t, out+".csv")
	if code, errs, sent := run(args); code != 0 || sent != 0 {
		t.Fatalf("unchanged rerun: exit %d, %d requests, want 0 and 0\n%s", code, sent, errs)
	}

	writeCrashInput(t, in, n, func(i int, text string) string {
		if i == edited {
			return text + " (edited)"
		}
		return text
	})
	code, errs, sent := run(args)
	if code != 0 || sent != 1 {
		t.Fatalf("rerun after editing row %d: exit %d, %d requests, want 0 and 1\n%s", edited, code, sent, errs)
	}
	if hs := tp.paidIn(life - 1); len(hs) != 1 || !strings.Contains(string(tp.bodies[hs[0]]), "(edited)") {
		t.Fatalf("rerun after editing row %d sent %d requests, not the edited row", edited, len(hs))
	}
	second := stableCSV(t, out+".csv")
	for i := range first {
		if changed := !slices.Equal(first[i], second[i]); changed != (i == edited+1) {
			t.Fatalf("row %d changed: %v, want only row %d changed\nbefore %q\nafter  %q", i, changed, edited+1, first[i], second[i])
		}
	}

	outBefore, _ := os.ReadFile(out + ".csv")
	changed := withTemplate(args, "Again, {{.id}}: {{.text}}")
	code, errs, sent = run(changed)
	if code != exitUsage || sent != 0 || !strings.Contains(errs, "template") || !strings.Contains(errs, "--restart") {
		t.Fatalf("changed template: exit %d, %d requests, want %d, 0, a message naming template and --restart:\n%s", code, sent, exitUsage, errs)
	}
	if outAfter, _ := os.ReadFile(out + ".csv"); string(outAfter) != string(outBefore) {
		t.Fatal("a refused run rewrote the output")
	}

	if code, errs, sent = run(append(changed, "--restart")); code != 0 || sent != n {
		t.Fatalf("--restart: exit %d, %d requests, want 0 and %d\n%s", code, sent, n, errs)
	}
	if old := committedOK(t, state+".bak"); len(old) != n {
		t.Fatalf("%s.bak holds %d OK rows, want the old job's %d", state, len(old), n)
	}
	third := stableCSV(t, out+".csv")
	for i := 1; i <= n; i++ {
		if slices.Equal(third[i], second[i]) {
			t.Fatalf("row %d unchanged after --restart with another template: %q", i, third[i])
		}
	}
}

// TestRunCostMatchesJobCost: on a fresh state database the run's cost and
// the job's cost (summed from the database) are the same money.
func TestRunCostMatchesJobCost(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	const n = 300
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	writeCrashInput(t, in, n, nil)
	tp := startTap(t, simulator.Config{})
	out, sum := filepath.Join(dir, "out"), filepath.Join(dir, "summary.json")
	c := startChild(t, jobArgs(in, out, filepath.Join(dir, "out.state.db"), tp.url(0), "--summary", sum))
	if code, _ := c.wait(t); code != 0 {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	b, err := os.ReadFile(sum)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Cost    float64 `json:"cost_usd"`
		JobCost float64 `json:"job_cost_usd"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if math.Abs(s.Cost-s.JobCost) > 1e-9 {
		t.Errorf("fresh run: cost_usd %.9f, job_cost_usd %.9f: the same %d answers counted two ways", s.Cost, s.JobCost, n)
	}
}
