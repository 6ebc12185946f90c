package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/simulator"
)

// crashBin is the batchprompt binary the crash tests run as a child
// process, built once per test binary (TestMain removes it).
var crashBin struct {
	once      sync.Once
	dir, path string
	out       []byte
	err       error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if crashBin.dir != "" {
		os.RemoveAll(crashBin.dir)
	}
	os.Exit(code)
}

// binary builds ./cmd/batchprompt once and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	crashBin.once.Do(func() {
		crashBin.dir, crashBin.err = os.MkdirTemp("", "batchprompt-crash-")
		if crashBin.err != nil {
			return
		}
		crashBin.path = filepath.Join(crashBin.dir, "batchprompt")
		// A child built with -race catches data races on the stop and
		// resume paths too, at about three times the run time: opt in with
		// BATCHPROMPT_TEST_RACE_CHILD=1 under go test -race.
		args := []string{"build", "-o", crashBin.path}
		if raceEnabled() && os.Getenv("BATCHPROMPT_TEST_RACE_CHILD") == "1" {
			args = append(args, "-race")
		}
		cmd := exec.Command("go", append(args, ".")...)
		crashBin.out, crashBin.err = cmd.CombinedOutput()
	})
	if crashBin.err != nil {
		t.Fatalf("go build: %v\n%s", crashBin.err, crashBin.out)
	}
	return crashBin.path
}

// raceEnabled reports whether this test binary was built with -race.
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// bodyHash is the request hash the pipeline stores (pipeline.hashBody):
// hex of the first 16 bytes of the body's SHA-256.
func bodyHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:16])
}

// tap wraps the simulator's handler: it counts the requests it has
// answered, remembers every 200 by request hash and by child lifetime, and
// at an armed count calls a trigger (kill or interrupt the child) while
// the triggering answer is still held back.
//
// Each child is given its own base URL, /life<N>/v1 (see url), so that a
// request a killed child sent but the server reads only later is still
// counted against the child that sent it.
type tap struct {
	h http.Handler

	mu       sync.Mutex
	idle     *sync.Cond       // signalled when active drops to 0
	active   map[int64]string // requests inside the handler → hash
	nextID   int64
	answered int              // cumulative handler completions
	life     int              // current child lifetime, from 0
	base     string           // the server's URL
	paid     map[string][]int // hash → lifetime of each 200 answer
	bodies   map[string][]byte
	armAt    int
	fire     func(activeHashes []string)

	// abortFirst closes the first request's connection without an
	// answer, as a connection reset does; arrived records when each
	// request arrived.
	abortFirst bool
	arrived    []time.Time
}

func newTap(h http.Handler) *tap {
	t := &tap{h: h, active: map[int64]string{}, paid: map[string][]int{}, bodies: map[string][]byte{}}
	t.idle = sync.NewCond(&t.mu)
	return t
}

// statusWriter records the status sent; Unwrap lets the simulator hijack
// the connection for its reset fault.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// url is the base URL for the child of lifetime life.
func (t *tap) url(life int) string { return t.base + "/life" + strconv.Itoa(life) + "/v1" }

// lifeOf strips the /life<N> prefix from r's path and returns N, or -1.
func lifeOf(r *http.Request) int {
	rest, ok := strings.CutPrefix(r.URL.Path, "/life")
	if i := strings.IndexByte(rest, '/'); ok && i > 0 {
		if n, err := strconv.Atoi(rest[:i]); err == nil {
			r.URL.Path = rest[i:]
			return n
		}
	}
	return -1
}

func (t *tap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	h := bodyHash(body)
	life := lifeOf(r)
	t.mu.Lock()
	if life < 0 {
		life = t.life
	}
	id := t.nextID
	t.nextID++
	t.arrived = append(t.arrived, time.Now())
	if id == 0 && t.abortFirst {
		t.mu.Unlock()
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	t.active[id] = h
	t.mu.Unlock()
	sw := &statusWriter{ResponseWriter: w}
	// Deferred so that the simulator's reset (a panic with
	// http.ErrAbortHandler where hijacking fails) is counted too.
	defer func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		delete(t.active, id)
		t.answered++
		if sw.status == http.StatusOK {
			t.paid[h] = append(t.paid[h], life)
			t.bodies[h] = body
		}
		if t.fire != nil && t.answered >= t.armAt {
			// This answer is still buffered in the handler: it counts as
			// in flight, like every request still inside the handler.
			hashes := []string{h}
			for _, a := range t.active {
				hashes = append(hashes, a)
			}
			t.fire(hashes)
			t.fire = nil
		}
		if len(t.active) == 0 {
			t.idle.Broadcast()
		}
	}()
	t.h.ServeHTTP(sw, r)
}

// arm calls fire once, from the handler, when the cumulative answer count
// reaches n.
func (t *tap) arm(n int, fire func(activeHashes []string)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.armAt, t.fire = n, fire
}

// nextLife drops a trigger that did not fire and starts a new lifetime once
// every request of the previous one has left the handler.
func (t *tap) nextLife() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.active) > 0 {
		t.idle.Wait()
	}
	t.fire = nil
	t.life++
}

// paidFigures returns how many answers were paid for a second (or later)
// time, and the hashes concerned.
func (t *tap) paidFigures() (twice int, hashes []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for h, lives := range t.paid {
		if len(lives) > 1 {
			twice += len(lives) - 1
			hashes = append(hashes, h)
		}
	}
	return twice, hashes
}

// paidIn returns the hashes answered 200 in lifetime life.
func (t *tap) paidIn(life int) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for h, lives := range t.paid {
		for _, l := range lives {
			if l == life {
				out = append(out, h)
				break
			}
		}
	}
	return out
}

func (t *tap) requests() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.answered
}

// startTap serves a fresh simulator for cfg behind a tap on 127.0.0.1.
func startTap(t *testing.T, cfg simulator.Config) *tap {
	t.Helper()
	sim := simulator.New(cfg)
	tp := newTap(sim)
	srv := httptest.NewServer(tp)
	tp.base = srv.URL
	t.Cleanup(func() { sim.Release(); srv.Close() })
	return tp
}

// childEnv is a clean environment: no OPENAI_* or BATCHPROMPT_* settings
// of the developer's shell leak into the child.
func childEnv() []string {
	env := []string{"PATH=" + os.Getenv("PATH")}
	for _, k := range []string{"HOME", "TMPDIR", "SYSTEMROOT"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// child is one run of the binary.
type child struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
}

func startChild(t *testing.T, args []string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(binary(t), args...)}
	c.cmd.Env = childEnv()
	c.cmd.Stdout = &c.stderr
	c.cmd.Stderr = &c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", args, err)
	}
	return c
}

// wait returns the exit code, or -1 with killed set when a signal ended it.
func (c *child) wait(t *testing.T) (code int, killed bool) {
	t.Helper()
	err := c.cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, false
	case errors.As(err, &ee):
		if ee.ExitCode() == -1 {
			return -1, true
		}
		return ee.ExitCode(), false
	}
	t.Fatalf("wait: %v", err)
	return 0, false
}

// committedOK returns the request hashes of the rows stored as OK in the
// state database at path (the child is not running).
func committedOK(t *testing.T, path string) map[string]bool {
	t.Helper()
	ctx := context.Background()
	db, err := checkpoint.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ok := map[string]bool{}
	err = db.Done(ctx, func(_, hash string, st checkpoint.Status) error {
		if st == checkpoint.StatusOK {
			ok[hash] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// writeCrashInput writes an n-row CSV (id, text, lang) of messy text.
func writeCrashInput(t *testing.T, path string, n int, edit func(i int, text string) string) {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"id", "text", "lang"})
	for i := range n {
		text := messyText(i)
		if edit != nil {
			text = edit(i, text)
		}
		w.Write([]string{fmt.Sprintf("r%06d", i), text, "en"})
	}
	w.Flush()
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// volatile are the output columns allowed to differ between an
// interrupted and an uninterrupted run.
var volatile = map[string]bool{"latency_ms": true, "attempts": true}

// stableCSV reads a CSV output without its volatile columns.
func stableCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := make([][]string, len(recs))
	for i, rec := range recs {
		for j, v := range rec {
			if !volatile[recs[0][j]] {
				out[i] = append(out[i], v)
			}
		}
	}
	return out
}

// stableJSONL reads a JSONL output without its volatile fields, one
// canonical JSON string per row.
func stableJSONL(t *testing.T, path string) []string {
	t.Helper()
	var out []string
	for _, m := range readLines(t, path) {
		for k := range volatile {
			delete(m, k)
		}
		b, _ := json.Marshal(m) // map keys come out sorted
		out = append(out, string(b))
	}
	return out
}

// checkOutputs asserts that the outputs with base name base in dir hold
// every one of n input rows once, in input order, and equal want's
// (another run's) apart from the volatile columns.
func checkOutputs(t *testing.T, got, want string, n int) {
	t.Helper()
	gc, wc := stableCSV(t, got+".csv"), stableCSV(t, want+".csv")
	if len(gc) != n+1 {
		t.Fatalf("%s.csv: %d rows, want %d", got, len(gc)-1, n)
	}
	for i := 1; i <= n; i++ {
		if id := fmt.Sprintf("r%06d", i-1); gc[i][0] != id {
			t.Fatalf("%s.csv row %d: id %q, want %q (every row once, in input order)", got, i, gc[i][0], id)
		}
	}
	gj, wj := stableJSONL(t, got+".jsonl"), stableJSONL(t, want+".jsonl")
	if len(gj) != n {
		t.Fatalf("%s.jsonl: %d rows, want %d", got, len(gj), n)
	}
	for i := range n {
		if id := fmt.Sprintf(`"id":"r%06d"`, i); !strings.Contains(gj[i], id) {
			t.Fatalf("%s.jsonl row %d: %s, want %s (every row once, in input order)", got, i, gj[i], id)
		}
	}
	for i := range gc {
		if i >= len(wc) || strings.Join(gc[i], "\x00") != strings.Join(wc[i], "\x00") {
			t.Fatalf("%s.csv row %d differs from the uninterrupted run:\n got %q\nwant %q", got, i, gc[i], wc[min(i, len(wc)-1)])
		}
	}
	for i := range gj {
		if i >= len(wj) || gj[i] != wj[i] {
			t.Fatalf("%s.jsonl row %d differs from the uninterrupted run:\n got %s\nwant %s", got, i, gj[i], wj[min(i, len(wj)-1)])
		}
	}
}
