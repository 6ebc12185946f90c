package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/internal/embed"
	"github.com/batchprompt/batchprompt/internal/simulator"
	"github.com/batchprompt/batchprompt/internal/sqlitefile"
)

// embedTap serves the simulator's embeddings and records, per child
// lifetime, every text it was sent; kill, when set, is called as the
// killAt-th request arrives, which is then never answered.
type embedTap struct {
	h      http.Handler
	mu     sync.Mutex
	life   int
	sent   []map[string]int
	n      int
	killAt int
	kill   func()
}

func (t *embedTap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req struct{ Input []string }
	_ = json.Unmarshal(body, &req)
	t.mu.Lock()
	t.n++
	if t.kill != nil && t.n == t.killAt {
		kill := t.kill
		t.kill = nil
		t.mu.Unlock()
		kill()
		http.Error(w, "killed", http.StatusServiceUnavailable)
		return
	}
	for _, in := range req.Input {
		t.sent[t.life][in]++
	}
	t.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	t.h.ServeHTTP(w, r)
}

// A SIGKILL in the middle of an embeddings run, with requests in flight,
// and a rerun: the rerun sends only the rows that had no result, and the
// outputs hold every row once with its own vector.
func TestEmbeddingsCrashSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	const n, dims = 2000, 16
	dir := t.TempDir()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"id", "text"})
	text := func(i int) string { return fmt.Sprintf("text %d, «%s»", i, strings.Repeat("ab", i%7)) }
	for i := range n {
		w.Write([]string{fmt.Sprint(i), text(i)})
	}
	w.Flush()
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sim := simulator.New(simulator.Config{Seed: 9})
	tp := &embedTap{h: sim, sent: []map[string]int{{}, {}}, killAt: 9}
	srv := httptest.NewServer(tp)
	defer srv.Close()
	out, state := filepath.Join(dir, "vec.jsonl"), filepath.Join(dir, "state.db")
	args := []string{"run", "-i", in, "-o", out, "--endpoint", "embeddings", "--prompt-column", "text", "--id-column", "id",
		"--dimensions", fmt.Sprint(dims), "--embed-batch", "100", "--concurrency", "2", "--base-url", srv.URL + "/v1",
		"--state", state, "--progress-interval", "1h", "-q"}

	c := startChild(t, args)
	tp.mu.Lock()
	tp.kill = func() {
		// Results are committed in batches (up to 100 ms late), so the
		// kill waits, with this request held in flight, until some are.
		waitCommitted(t, state)
		_ = c.cmd.Process.Kill()
	}
	tp.mu.Unlock()
	if _, killed := c.wait(t); !killed {
		t.Fatalf("the first run was not killed:\n%s", c.stderr.String())
	}
	done := map[string]bool{} // request hashes of the rows answered before the kill
	for k := range committedOK(t, state) {
		done[k] = true
	}
	tp.mu.Lock()
	tp.life = 1
	tp.mu.Unlock()
	c2 := startChild(t, args)
	if code, _ := c2.wait(t); code != 0 {
		t.Fatalf("rerun: exit %d\n%s", code, c2.stderr.String())
	}
	if len(done) == 0 || len(done) == n {
		t.Fatalf("%d rows were answered before the kill: the kill point missed the run", len(done))
	}
	// Each row answered before the kill is known by its request's hash
	// (sha256 of its one-input body, as internal/request names it).
	resent := 0
	for i := range n {
		body, err := embed.RequestBody("text-embedding-3-small", dims, []string{text(i)})
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(body)
		k := tp.sent[1][text(i)]
		if done[hex.EncodeToString(sum[:16])] && k > 0 {
			t.Fatalf("row %d had its result before the kill and was sent again", i)
		}
		if k > 1 {
			t.Fatalf("row %d was sent %d times by the rerun", i, k)
		}
		resent += k
	}
	if resent != n-len(done) {
		t.Fatalf("the rerun sent %d rows; %d had no result", resent, n-len(done))
	}
	rows := 0
	for i, line := range strings.Split(strings.TrimSpace(readFile(t, out)), "\n") {
		var row struct {
			ID        string
			Embedding []float64
		}
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatal(err)
		}
		want := simulator.EmbeddingFor(text(i), dims)
		if row.ID != fmt.Sprint(i) || len(row.Embedding) != dims || math.Abs(row.Embedding[3]-float64(want[3])) > 1e-6 {
			t.Fatalf("row %d: %+v", i, row)
		}
		rows++
	}
	if rows != n {
		t.Fatalf("%d rows, want %d", rows, n)
	}
	t.Logf("%d rows answered before the kill; the rerun sent %d texts", len(done), resent)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// waitCommitted returns once the state database at path, written by a
// running child, holds an answered row: a condition only the child's own
// commit can make true, polled through a read-only connection.
func waitCommitted(t *testing.T, path string) {
	abs, _ := filepath.Abs(path)
	db, err := sqlitefile.Readers(abs, 5*time.Second, 1)
	if err != nil {
		t.Error(err)
		return
	}
	defer db.Close()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var n int
		if db.QueryRow("SELECT count(*) FROM rows WHERE status = 1").Scan(&n) == nil && n > 0 {
			return
		}
	}
	t.Error("no row was committed within a minute")
}
