package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// batchTap kills the running child at one step of the Batch API
// lifecycle: when the armed request arrives, it is handled (or not) as
// the step says, and the child is killed with SIGKILL before it can see
// the answer, or while it reads it.
type batchTap struct {
	h     http.Handler
	mu    sync.Mutex
	step  string // "upload", "create", "poll", "download", "commit"; "" disarmed
	kill  func() // kills the child and returns once it is dead
	fired bool
}

// stepOf names the lifecycle step a request belongs to.
func stepOf(r *http.Request) string {
	p := strings.TrimPrefix(r.URL.Path, "/v1")
	switch {
	case r.Method == http.MethodPost && p == "/files":
		return "upload"
	case r.Method == http.MethodPost && p == "/batches":
		return "create"
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/batches/"):
		return "poll"
	case r.Method == http.MethodGet && strings.HasSuffix(p, "/content"):
		return "download"
	}
	return ""
}

func (b *batchTap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	step, kill := b.step, b.kill
	s := stepOf(r)
	fire := !b.fired && step != "" && (s == step || (step == "commit" && s == "download"))
	b.fired = b.fired || fire
	b.mu.Unlock()
	if !fire {
		b.h.ServeHTTP(w, r)
		return
	}
	if step == "poll" { // killed while polling: the request is never answered
		kill()
		return
	}
	// The server does the work (the upload is stored, the batch created,
	// the lines billed); the child dies before it learns the answer.
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, r)
	switch step {
	case "download", "commit":
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		body := rec.Body.Bytes()
		if step == "download" {
			body = body[:len(body)/2] // killed mid-download
		}
		w.Write(body)
		http.NewResponseController(w).Flush()
	}
	kill()
}

// A child killed at each step of the Batch API lifecycle, then run again,
// leaves the simulator's counts clean: no request billed twice, no batch
// created twice, every upload either used or deleted, and an output with
// every row once.
func TestBatchAPICrashAtEachStep(t *testing.T) {
	for _, step := range []string{"upload", "create", "poll", "download", "commit"} {
		t.Run(step, func(t *testing.T) {
			sim := simulator.New(simulator.Config{Seed: 11, Batch: simulator.BatchConfig{}.WithLifecycle(time.Second)})
			tap := &batchTap{h: sim, step: step}
			srv := httptest.NewServer(tap)
			defer srv.Close()
			dir := t.TempDir()
			const n = 300
			in := filepath.Join(dir, "in.csv")
			writeCrashInput(t, in, n, nil)
			out := filepath.Join(dir, "out.jsonl")
			args := []string{"run", "-i", in, "-o", out, "--id-column", "id", "--template", "Say {{.text}}",
				"--state", filepath.Join(dir, "job.state.db"), "--base-url", srv.URL + "/v1", "--batch-api",
				"--batch-poll-interval", "1s", "--quiet"}

			c := startChildKey(t, args)
			dead := make(chan struct{})
			tap.mu.Lock()
			tap.kill = func() { c.cmd.Process.Kill(); <-dead }
			tap.mu.Unlock()
			var code int
			var killed bool
			go func() { defer close(dead); code, killed = c.waitNoFatal() }()
			<-dead
			if !killed {
				t.Fatalf("the child was not killed at %s: exit %d\n%s", step, code, c.stderr.String())
			}
			tap.mu.Lock()
			tap.step = ""
			tap.mu.Unlock()

			c = startChildKey(t, args)
			if code, killed := c.waitNoFatal(); code != 0 || killed {
				t.Fatalf("rerun after a kill at %s: exit %d\n%s", step, code, c.stderr.String())
			}
			st := sim.BatchStats()
			t.Logf("kill at %s: %+v", step, st)
			if st.BilledTwice != 0 || st.LinesBilled != n || st.BatchesCreated != 1 {
				t.Fatalf("kill at %s: %+v, want %d lines billed once by one batch", step, st, n)
			}
			if st.FilesCreated != st.FilesDeleted || st.FilesCreated > 2 {
				t.Fatalf("kill at %s: %d files uploaded, %d deleted: want none left behind", step, st.FilesCreated, st.FilesDeleted)
			}
			rows := readLines(t, out)
			seen := map[string]bool{}
			for _, r := range rows {
				id := fmt.Sprint(r["id"])
				if seen[id] || r["output"] == nil {
					t.Fatalf("kill at %s: row %s twice or unanswered: %v", step, id, r)
				}
				seen[id] = true
			}
			if len(seen) != n {
				t.Fatalf("kill at %s: %d rows in the output, want %d", step, len(seen), n)
			}
		})
	}
}

// startChildKey starts the binary with a test API key.
func startChildKey(t *testing.T, args []string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(binary(t), args...)}
	c.cmd.Env = append(childEnv(), "OPENAI_API_KEY=sk-test")
	c.cmd.Stdout = &c.stderr
	c.cmd.Stderr = &c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", args, err)
	}
	return c
}

// waitNoFatal is child.wait for any goroutine: exit code, or killed.
func (c *child) waitNoFatal() (code int, killed bool) {
	err := c.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ee.ExitCode() == -1 {
			return -1, true
		}
		return ee.ExitCode(), false
	}
	if err != nil {
		return -2, false
	}
	return 0, false
}
