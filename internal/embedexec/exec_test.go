package embedexec

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/client"
	"github.com/batchprompt/batchprompt/internal/clock"
	"github.com/batchprompt/batchprompt/internal/embed"
	"github.com/batchprompt/batchprompt/internal/pace"
	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/internal/simulator"
)

// host records what an Exec hands back.
type host struct {
	mu        sync.Mutex
	vecs      map[int64][]float32
	failed    map[int64]string // seq → kind, "pending:" + kind for pending rows
	stopped   []client.Class
	billed    int64
	commits   int
	abandoned []int64
}

func (h *host) Reserve(int64) (func(int64, bool), bool) {
	return func(b int64, sent bool) {
		if sent {
			h.mu.Lock()
			h.billed += b
			h.mu.Unlock()
		}
	}, true
}

func (h *host) Cost(tokens int64) (float64, bool) { return float64(tokens) / 1e6, true }

func (h *host) Commit(rs []checkpoint.Row) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.commits++
	for _, r := range rs {
		if _, dup := h.vecs[r.Seq]; dup {
			panic(fmt.Sprintf("row %d answered twice", r.Seq))
		}
		switch r.Status {
		case checkpoint.StatusOK:
			v, err := embed.AppendDecodeVector(nil, r.Output)
			if err != nil {
				panic(err)
			}
			h.vecs[r.Seq] = v
		case checkpoint.StatusPending:
			h.failed[r.Seq] = "pending:" + r.ErrorKind
		default:
			h.failed[r.Seq] = r.ErrorKind
		}
	}
}

func (h *host) Committed() func() bool { return func() bool { return true } }

func (h *host) Abandon(rs []request.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range rs {
		h.abandoned = append(h.abandoned, r.Seq)
	}
}

func (h *host) Stop(c client.Class, _ error) {
	h.mu.Lock()
	h.stopped = append(h.stopped, c)
	h.mu.Unlock()
}
func (h *host) Stalled() bool     { return false }
func (h *host) Event(string, int) {}
func (h *host) HadSuccess() bool  { return true }

// run sends texts through an Exec against a loopback simulator.
func run(t *testing.T, cfg simulator.Config, texts []string, batch int) (*host, simulator.Stats) {
	t.Helper()
	sim := simulator.New(cfg)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	const model = "text-embedding-3-small"
	h := &host{vecs: map[int64][]float32{}, failed: map[int64]string{}}
	x, err := New(Config{
		Model: model, Dimensions: 16, Pack: embed.Limits{MaxInputs: batch}, Concurrency: 4,
		Pacer: pace.New(model, pace.Config{Concurrency: 4}, clock.Real{}), Client: client.NewClient(client.Endpoint{BaseURL: srv.URL + "/v1", Timeout: 10 * time.Second}, nil, 4),
		Clock: clock.Real{}, MaxAttempts: 3, BackoffBase: time.Millisecond, BackoffMax: 2 * time.Millisecond, Rand: func() float64 { return 0.5 },
		Ctx: context.Background(), SendCtx: context.Background(),
	}, h)
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range texts {
		x.Send(request.Request{Seq: int64(i), Text: text, Tokens: 2})
	}
	x.Wait()
	// The simulator counts a request after answering it: Close waits for
	// its handlers, so the counts are whole.
	srv.Close()
	return h, sim.Stats()
}

func TestExecAnswersEveryRowOnce(t *testing.T) {
	texts := make([]string, 1000)
	for i := range texts {
		texts[i] = fmt.Sprintf("text %d", i)
	}
	h, st := run(t, simulator.Config{Seed: 1}, texts, 300)
	if len(h.vecs) != len(texts) || len(h.failed) != 0 || st.Requests != 4 {
		t.Fatalf("%d answered, %d failed, %d requests; want %d, 0, 4", len(h.vecs), len(h.failed), st.Requests, len(texts))
	}
	for i, text := range texts {
		if !slices.Equal(h.vecs[int64(i)], simulator.EmbeddingFor(text, 16)) {
			t.Fatalf("row %d's vector is not its text's", i)
		}
	}
	if h.billed != st.PromptTokens {
		t.Errorf("billed %d, the server counted %d", h.billed, st.PromptTokens)
	}
}

func TestExecGivesUpAfterMaxAttempts(t *testing.T) {
	h, st := run(t, simulator.Config{Faults: simulator.Faults{Err500: 1}}, []string{"a", "b", "c"}, 0)
	if len(h.failed) != 3 || h.failed[0] != "pending:server_error" || st.Requests != 3 {
		t.Fatalf("failed %v after %d requests; want all 3 pending after 3 attempts of one request", h.failed, st.Requests)
	}
}
