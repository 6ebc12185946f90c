// Package batchapi answers a job's requests through the OpenAI Batch API:
// it splits them into input files, uploads them, creates and polls
// batches, and downloads and maps the results back by custom_id, exactly
// once, recording each step's intent in the job's state database before
// the call that makes it, so that a run killed at any point and run again
// neither loses nor repeats anything.
package batchapi

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/clock"
)

// Item is one request to answer.
type Item struct {
	Key    string // the row's key in the state database
	Hash   string // names the body; custom_id is Key|Hash, so an edited row never takes its old answer
	Model  string
	Body   []byte // the chat request's JSON body
	Tokens int64  // prompt tokens, for the enqueued-token limit
	MaxOut int64  // the output cap, for the worst-case cost
}

// Result is one request's final answer from the Batch API.
type Result struct {
	Key     string
	Status  int    // the line's HTTP status; 0 when the request never ran
	Body    []byte // the line's response body (an answer or an error)
	Code    string // the error code when the request never ran, or its batch failed
	Message string
	Tries   int // batches that carried the request
}

// Hooks are how an Exec hands work back to its caller. Each is called from
// the goroutine running Exec.Run.
type Hooks struct {
	// Deliver commits a final result and returns what it cost.
	Deliver func(Result) (costUSD float64)
	// Tail answers a request synchronously: its batch was cancelled by
	// the finish-sync deadline before it ran.
	Tail func(key string, body []byte)
	// Reserve books a file's worst case before it is uploaded; an error
	// holds further submissions back until a batch is collected (and its
	// real cost settled), or for good when none is running. settle hands back the reservation with
	// what the file's answers cost; worst is what was booked. nil: no
	// budget.
	Reserve func(model string, tokens, maxOut []int64) (settle func(spentUSD float64), worst float64, err error)
	// Hold books again what an earlier run reserved for a batch still
	// running, so that the cap counts it in this run too. nil: no budget.
	Hold func(worstUSD float64) (settle func(spentUSD float64), err error)
	// Batch, if set, is told each time a batch's record changes.
	Batch func(checkpoint.BatchChunk)
}

// Options configure an Exec.
type Options struct {
	Endpoint Endpoint
	Clock    clock.Clock // nil: the wall clock
	Tag      string      // the job's tag in file names and metadata (see Tag)

	PollInterval    time.Duration // default 30 s; the first poll comes after a tenth of it
	Rounds          int           // batches a request may go through; default 3
	FinishSyncAfter time.Duration // > 0: cancel a batch this long after submission and answer its rest synchronously
	Detach          bool          // submit, collect what is ready, and return
	Cancel          bool          // cancel every live batch, collect, submit nothing
	QueueTokens     int64         // enqueued prompt tokens per model; 0: learned from refusals
	Limits          Limits        // per file; zero: the Batch API's
	SpoolDir        string        // where request lines wait; "": the system's temporary directory
	Logger          *slog.Logger
}

// Outcome is how Run ended.
type Outcome struct {
	Pending   int // requests without a final result: in live batches or not yet submitted
	Live      int // batches still running
	Submitted int // batches created by this run
	// Blocked is the budget's refusal that keeps requests from being
	// submitted at the end of the run, nil when none does.
	Blocked error
}

// Exec answers requests through the Batch API. Add every request, then
// call Run once; both from one goroutine.
type Exec struct {
	opt   Options
	hooks Hooks
	api   *API
	db    *checkpoint.DB
	clk   clock.Clock
	log   *slog.Logger

	spool    *os.File
	spoolEnd int64
	items    map[string]*entry
	stored   map[string]checkpoint.BatchRow
	chunks   map[int64]*chunk
	queue    map[string][]string // model → keys waiting for a batch
	models   []string            // queue's keys in the order first seen
	learned  map[string]int64    // model → enqueued-token limit learned from a refusal
	noSubmit bool                // cancel mode: nothing is submitted
	blocked  error               // the budget refused a submission; cleared when a batch is collected
	out      Outcome
}

// entry is one request Exec holds: its line is in the spool.
type entry struct {
	model, hash    string
	off            int64
	n              int
	tokens, maxOut int64
	tries, free    int // batches that carried it; those that refused it for the queue limit
	done           bool
}

// chunk is a batch this run tracks, with the requests it is waiting for.
type chunk struct {
	rec     checkpoint.BatchChunk
	keys    []string
	tail    bool // cancelled for the finish-sync deadline
	settle  func(float64)
	spent   float64
	pending int // keys not yet resolved
}

// New returns an Exec recording its work in db. It reads the chunks and
// row assignments earlier runs recorded.
func New(ctx context.Context, db *checkpoint.DB, opt Options, hooks Hooks) (*Exec, error) {
	if opt.PollInterval <= 0 {
		opt.PollInterval = 30 * time.Second
	}
	if opt.Rounds <= 0 {
		opt.Rounds = 3
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	opt.Limits = opt.Limits.withDefaults()
	x := &Exec{opt: opt, hooks: hooks, api: NewAPI(opt.Endpoint), db: db, clk: clock.Or(opt.Clock), log: opt.Logger,
		items: map[string]*entry{}, stored: map[string]checkpoint.BatchRow{}, chunks: map[int64]*chunk{},
		queue: map[string][]string{}, learned: map[string]int64{}}
	recs, err := db.Chunks(ctx)
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		x.chunks[rec.Chunk] = &chunk{rec: rec}
	}
	if err := db.BatchRows(ctx, func(k string, r checkpoint.BatchRow) error { x.stored[k] = r; return nil }); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(opt.SpoolDir, "batchprompt-spool-*")
	if err != nil {
		return nil, fmt.Errorf("batch spool: %w", err)
	}
	os.Remove(f.Name()) // unlinked: it goes away with the process, however it ends
	x.spool = f
	return x, nil
}

// Close releases the spool.
func (x *Exec) Close() error { return x.spool.Close() }

// Add takes one request. A request an earlier run put in a batch that may
// still answer it waits for that batch; any other waits for a new one.
func (x *Exec) Add(it Item) error {
	line, err := Line(CustomID(it.Key, it.Hash), it.Body)
	if err != nil {
		return err
	}
	if _, err := x.spool.WriteAt(line, x.spoolEnd); err != nil {
		return fmt.Errorf("batch spool: %w", err)
	}
	e := &entry{model: it.Model, hash: it.Hash, off: x.spoolEnd, n: len(line), tokens: it.Tokens, maxOut: it.MaxOut}
	x.spoolEnd += int64(len(line))
	x.items[it.Key] = e
	if s, ok := x.stored[it.Key]; ok {
		e.tries = s.Tries
		if c := x.chunks[s.Chunk]; c != nil && c.rec.State != checkpoint.ChunkAbandoned {
			c.keys = append(c.keys, it.Key)
			c.pending++
			return nil
		}
	}
	x.enqueue(it.Key, e)
	return nil
}

func (x *Exec) enqueue(key string, e *entry) {
	if _, ok := x.queue[e.model]; !ok {
		x.models = append(x.models, e.model)
	}
	x.queue[e.model] = append(x.queue[e.model], key)
}

// line reads a request's line back from the spool.
func (x *Exec) line(e *entry) ([]byte, error) {
	b := make([]byte, e.n)
	if _, err := x.spool.ReadAt(b, e.off); err != nil {
		return nil, fmt.Errorf("batch spool: %w", err)
	}
	return b, nil
}

// body returns a request's body, read back from its spooled line.
func (x *Exec) body(e *entry) ([]byte, error) {
	b, err := x.line(e)
	if err != nil {
		return nil, err
	}
	var l struct {
		Body jsonRaw `json:"body"`
	}
	if err := jsonUnmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("batch spool: %w", err)
	}
	return l.Body, nil
}

// Tag returns the job's tag stored in db, making one on first use: a
// random token that names the job's files and batches on the server, so
// that a crashed run's uploads and batches are found again and no other
// job's are taken for them.
func Tag(ctx context.Context, db *checkpoint.DB) (string, error) {
	const key = "batch_tag"
	if v, ok, err := db.Meta(ctx, key); err != nil || ok {
		return v, err
	}
	tag := rand.Text()[:16]
	return tag, db.SetMeta(ctx, key, tag)
}

// fileName is the name chunk n's input file is uploaded under.
func (x *Exec) fileName(n int64) string {
	return fmt.Sprintf("batchprompt-%s-%06d.jsonl", x.opt.Tag, n)
}

// CustomID is the custom_id of a request: the row's key and its body's
// hash. A row edited while its batch runs has a new hash, so the old
// body's answer, when it comes, is not taken for the new one.
func CustomID(key, hash string) string { return key + "|" + hash }

// splitCustomID undoes CustomID; the hash never holds a '|'.
func splitCustomID(cid string) (key, hash string) {
	i := strings.LastIndexByte(cid, '|')
	if i < 0 {
		return cid, ""
	}
	return cid[:i], cid[i+1:]
}
