// Package embedexec answers embeddings rows many to a request: it packs
// the rows the engine hands it into requests under the API's limits
// (embed.Packer), sends each through its model's pacer and the client,
// retries a failed request as a whole, and hands each row its own result.
//
// A request the server refuses (a 400) is split in halves until the row it
// refuses is alone, so one bad row becomes one error row and the rest of
// its request succeeds; a request larger than the pacer can ever admit is
// split the same way. The engine's state database gives exactly-once:
// each row's result is committed once, and a row without a result is sent
// again by the next run. A row the database has never stored reaches Send
// unclaimed (see Exec.Unclaim), so its one write is its result: the Exec
// knows it (Exec.Flying) until its result is visible, and stores the rows
// of an abandoned request as the engine's claims would have been, pending.
// A crash loses only rows without a result, which the next run sends.
package embedexec

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/sourcegraph/conc/pool"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/client"
	"github.com/batchprompt/batchprompt/internal/clock"
	"github.com/batchprompt/batchprompt/internal/embed"
	"github.com/batchprompt/batchprompt/internal/pace"
	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/internal/rows"
)

// Config is how an Exec sends.
type Config struct {
	Model      string
	Dimensions int          // 0: the model's own
	Pack       embed.Limits // per request; zero: the API's
	// Concurrency caps the requests in flight (default 16), and New caps
	// it further by their size (see maxRowsInFlight).
	Concurrency int

	// TPM is a token limit given by the user (--tpm), 0 if none. Under
	// the limit in force (this one, or the one the pacer learned from the
	// server's headers) a packed request larger than about a second's
	// tokens is split before it is sent: requests that size keep the pace
	// smooth and fit the server's short refill window, where a few huge
	// ones leave the limit idle between them and, beside another user of
	// the key, are refused (the 429s once seen under a learned limit came
	// from pacing bugs since fixed in internal/pace).
	TPM float64

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

// An Exec holds every row of a request in flight, its text and, once
// answered, its vector, until the rows are committed: maxRowsInFlight
// bounds the rows of all requests in flight together (4 full requests; at
// 1,536 dimensions their vectors alone are 50 MB), and maxConcurrency the
// requests whatever their size. With nothing stored before a row is sent,
// the requests wait for the state database's one writer, not the other way
// round: 8 full requests held 40 MB more of live heap than 4 and sent no
// faster (--simulate, no latency). 4 requests of 2,048 short rows, each
// answered within a second or two, keep a token limit of several million
// a minute busy; under a given --tpm a request is split to a second's
// tokens, and those pieces are what is in flight.
const (
	maxRowsInFlight = 4 * embed.MaxInputsPerRequest
	maxConcurrency  = 32
)

// tokenCap is the most tokens one request should carry: a second of the
// token limit in force (Config.TPM), 0 for no cap beyond Config.Pack
// while no limit is known.
func (c *Config) tokenCap() int64 {
	tpm := c.TPM
	if c.Pacer != nil {
		if l := c.Pacer.Limits().TPM; l > 0 {
			tpm = l
		}
	}
	if tpm <= 0 {
		return 0
	}
	return max(int64(tpm/60), embed.MaxTokensPerInput)
}

// answer is how one request was answered, shared by its rows.
type answer struct {
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
	// Cost is the price of tokens input tokens at the model's rate; ok is
	// false for a model without a price (its rows carry no cost).
	Cost(tokens int64) (usd float64, ok bool)
	// Commit stores rows (results, error rows, or rows pending for the
	// next run) and counts them; a failure stops the run.
	Commit(rows []checkpoint.Row)
	// Abandon stores rs, the rows of a request abandoned without an
	// answer, as the engine claims a row before sending it: pending, sent
	// again by the next run. They are not counted: they have no result.
	Abandon(rs []request.Request)
	// Committed returns a func that reports whether everything Commit and
	// Abandon were handed so far is visible to the state database's
	// readers.
	Committed() (visible func() bool)
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
	flights  flights
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
	inputs := cfg.Pack.MaxInputs
	if inputs <= 0 {
		inputs = embed.MaxInputsPerRequest
	}
	cfg.Concurrency = max(1, min(cfg.Concurrency, maxConcurrency, maxRowsInFlight/inputs))
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

// Send adds one row; when it closes a full request, that request is
// handed to the pool, which blocks while Concurrency requests are in
// flight (the dispatcher's back-pressure).
func (e *Exec) Send(row request.Request) {
	// The row's own one-input body named its request (Hash); what is sent
	// is its Text, packed: the body would only take memory in flight.
	row.Body = nil
	e.flights.add(row)
	done, err := e.packer.Add(embed.Row{Seq: row.Seq, ID: row.ID, Text: row.Text, Tokens: int(row.Tokens)})
	if err != nil {
		// The renderer refuses these first; a lower --embed-batch token cap
		// is the only way here.
		e.host.Commit([]checkpoint.Row{rows.Failed(row, 0, "too_long", fmt.Sprintf("%s: %v", row.Pos, err), 0, nil)})
		e.flights.land([]request.Request{row}, e.host.Committed())
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
	rs := e.pend[:n:n]
	e.pend = append([]request.Request(nil), e.pend[n:]...)
	e.pool.Go(func() {
		e.host.Event("inflight", len(rs))
		defer e.host.Event("inflight", -len(rs))
		if left := e.send(rs, 0); len(left) > 0 {
			e.host.Abandon(left)
		}
		e.flights.land(rs, e.host.Committed())
	})
}

// checkUsage logs, once per run, a server whose billed total differs from
// the rows' offline counts: rows keep their own counts, the budget the
// server's figure.
func (e *Exec) checkUsage(rs []request.Request, counted, billed int64) {
	if counted == billed {
		return
	}
	e.mismatch.Do(func() {
		e.cfg.Logger.Warn("the server's token count for an embeddings request differs from ours: rows keep their own counts, the budget is settled with the server's",
			"rows", len(rs), "counted_tokens", counted, "billed_tokens", billed)
	})
}
