// Package embedexec answers embeddings rows many to a request: it packs
// the rows the engine claims into requests under the API's limits
// (embed.Packer), sends each through its model's pacer and the client,
// retries a failed request as a whole, and hands each row its own result.
//
// A request the server refuses (a 400) is split in halves until the row it
// refuses is alone, so one bad row becomes one error row and the rest of
// its request succeeds; a request larger than the pacer can ever admit is
// split the same way. The engine's state database gives exactly-once: rows
// are claimed as pending before they reach Send, and a row whose request
// is abandoned stays pending for the next run.
package embedexec

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/sourcegraph/conc/pool"

	"github.com/batchprompt/batchprompt/internal/client"
	"github.com/batchprompt/batchprompt/internal/clock"
	"github.com/batchprompt/batchprompt/internal/embed"
	"github.com/batchprompt/batchprompt/internal/pace"
	"github.com/batchprompt/batchprompt/internal/request"
)

// Config is how an Exec sends.
type Config struct {
	Model      string
	Dimensions int          // 0: the model's own
	Pack       embed.Limits // per request; zero: the API's
	// Concurrency caps the requests in flight (default 16); each holds up
	// to Pack.MaxInputs rows in memory.
	Concurrency int

	// TokenCap, when set, returns the most tokens one request should
	// carry now (0: no cap beyond Pack): a larger packed request is split
	// before it is sent. Under a token limit, requests of about a second's
	// tokens keep the pace smooth, where a few huge ones leave the limit
	// idle between them.
	TokenCap func() int64

	Pacer  *pace.Pacer
	Client *client.Client
	Clock  clock.Clock

	MaxAttempts             int // attempts of one request for transient errors
	BackoffBase, BackoffMax time.Duration
	Rand                    func() float64 // jitter in [0, 1)

	// Ctx ends when no new request may start; SendCtx when requests in
	// flight must be abandoned.
	Ctx, SendCtx context.Context
	Logger       *slog.Logger
}

// Answer is how one request was answered, shared by its rows.
type Answer struct {
	Attempts  int
	Latency   time.Duration
	Status    int
	RequestID string
}

// Host is the engine an Exec works for: it books costs, commits results
// and stops the run. Its methods are called from many goroutines.
type Host interface {
	// Reserve books the worst case of a request of tokens input tokens
	// against the cost cap; ok false means it must not be sent (the run
	// is stopping). settle is called once: with the tokens the server
	// billed when answered, or with sent false to hand the booking back.
	Reserve(tokens int64) (settle func(billed int64, sent bool), ok bool)
	// Answered commits rows[i]'s result, vecs[i].
	Answered(rows []request.Request, vecs [][]float32, a Answer)
	// Failed commits row as an error row; pending rows (out of transient
	// retries) are sent again by the next run. err may be nil.
	Failed(row request.Request, attempts int, kind, msg string, pending bool, err error)
	// Stop stops the run for a request whose failure ends it (Fatal,
	// OutOfCredit, an unreachable server before any success).
	Stop(c client.Class, err error)
	// Stalled reports, and stops the run, when every request has failed
	// for longer than the stall timeout.
	Stalled() bool
	// Event counts progress: "sent", "ok", "throttled", "retry", and
	// "inflight" with the change in rows in flight.
	Event(name string, n int)
	// HadSuccess reports whether any request of the run succeeded.
	HadSuccess() bool
}

// Exec packs and sends. Send and Wait are called from one goroutine (the
// engine's dispatcher); the requests run on a pool.
type Exec struct {
	cfg    Config
	host   Host
	packer *embed.Packer
	pend   []request.Request // rows in the packer's open request
	pool   *pool.Pool
	dims   int // every vector's length: --dimensions, or the model's (0: unknown)

	mismatch sync.Once
}

// New returns an Exec, or an error for packing limits beyond the API's.
func New(cfg Config, host Host) (*Exec, error) {
	p, err := embed.NewPacker(cfg.Pack)
	if err != nil {
		return nil, err
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 16
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 6
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	dims := cfg.Dimensions
	if dims == 0 {
		dims = embed.DefaultDimensions(cfg.Model)
	}
	return &Exec{cfg: cfg, host: host, packer: p, dims: dims, pool: pool.New().WithMaxGoroutines(cfg.Concurrency)}, nil
}

// Send adds one claimed row; when it closes a full request, that request
// is handed to the pool, which blocks while Concurrency requests are in
// flight (the dispatcher's back-pressure).
func (e *Exec) Send(row request.Request) {
	done, err := e.packer.Add(embed.Row{Seq: row.Seq, ID: row.ID, Text: row.Text, Tokens: int(row.Tokens)})
	if err != nil {
		// The renderer refuses these first; a lower --embed-batch token cap
		// is the only way here.
		e.host.Failed(row, 0, "too_long", fmt.Sprintf("%s: %v", row.Pos, err), false, nil)
		return
	}
	if done != nil {
		e.launch(len(done.Rows))
	}
	e.pend = append(e.pend, row)
}

// Wait sends the last, partly filled request and waits for every request.
func (e *Exec) Wait() {
	if done := e.packer.Flush(); done != nil {
		e.launch(len(done.Rows))
	}
	e.pool.Wait()
}

// launch hands the first n pending rows, one packed request, to the pool.
func (e *Exec) launch(n int) {
	rows := e.pend[:n:n]
	e.pend = append([]request.Request(nil), e.pend[n:]...)
	e.pool.Go(func() {
		e.host.Event("inflight", len(rows))
		defer e.host.Event("inflight", -len(rows))
		e.send(rows, 0)
	})
}

// checkUsage logs, once per run, a server whose billed total differs from
// the rows' offline counts: rows keep their own counts, the budget the
// server's figure.
func (e *Exec) checkUsage(rows []request.Request, counted, billed int64) {
	if counted == billed {
		return
	}
	e.mismatch.Do(func() {
		e.cfg.Logger.Warn("the server's token count for an embeddings request differs from ours: rows keep their own counts, the budget is settled with the server's",
			"rows", len(rows), "counted_tokens", counted, "billed_tokens", billed)
	})
}
