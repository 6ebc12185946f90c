package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// ErrCommitterClosed is returned by Add after Close.
var ErrCommitterClosed = errors.New("checkpoint: committer closed")

// CommitterOptions tunes a Committer. The zero value is usable.
type CommitterOptions struct {
	// MaxDelay bounds how long a queued row waits before it is committed.
	// Default 100ms.
	MaxDelay time.Duration
	// MaxRows commits as soon as this many rows are queued; it also sizes
	// the queue, so at most about 2*MaxRows rows are held in memory.
	// Default 500.
	MaxRows int
	// After returns a channel that fires once after d, as time.After does;
	// tests inject their own to drive the MaxDelay flush without sleeping.
	// Default: one reusable time.Timer.
	After func(d time.Duration) <-chan time.Time
}

// msg is one item of the committer's queue: a row, or the request to
// commit what is queued and stop.
type msg struct {
	row  Row
	stop bool
}

// Committer commits rows to a DB as they arrive, in short transactions of up
// to MaxRows rows, at most MaxDelay after the first of them was queued. One
// goroutine owns all its writes. It is safe for concurrent use.
//
// Commits run with a context that is never cancelled: a row handed to Add
// is committed even while the job is being interrupted, because losing it
// would mean paying for it twice. Callers' contexts bound only their waiting.
type Committer struct {
	db  *DB
	opt CommitterOptions
	in  chan msg

	mu     sync.RWMutex // Add holds R while sending; Close takes W to stop new sends
	closed bool

	errMu  sync.Mutex
	err    error // first commit error, sticky
	done   chan struct{}
	closeM sync.Once

	flushes atomic.Uint64 // commits completed; see Flushes

	// afterCommit, when set (tests only), is called by the loop after each
	// successful commit with the number of rows it wrote.
	afterCommit func(n int)
}

// NewCommitter starts a committer writing to db. Call Close to flush and stop it.
func NewCommitter(db *DB, opt CommitterOptions) *Committer {
	return newCommitter(db, opt, nil)
}

func newCommitter(db *DB, opt CommitterOptions, afterCommit func(int)) *Committer {
	if opt.MaxDelay <= 0 {
		opt.MaxDelay = 100 * time.Millisecond
	}
	if opt.MaxRows <= 0 {
		opt.MaxRows = 500
	}
	c := &Committer{db: db, opt: opt, in: make(chan msg, opt.MaxRows), done: make(chan struct{}), afterCommit: afterCommit}
	go c.loop()
	return c
}

// Add queues r for commit. It blocks while the queue is full, until there is
// room or ctx ends. It returns the first commit error if one has happened
// (after which nothing more is committed), ErrCommitterClosed after Close,
// or ctx's error. A nil return means queued, not yet durable: rows are
// durable once committed (at most MaxDelay later) or when Close returns nil.
func (c *Committer) Add(ctx context.Context, r Row) error {
	if err := c.firstErr(); err != nil {
		return err
	}
	if err := checkRow(&r); err != nil {
		return fmt.Errorf("checkpoint %s: add: %w", c.db.path, err)
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return ErrCommitterClosed
	}
	select {
	case c.in <- msg{row: r}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close commits everything queued, stops the goroutine and returns the first
// commit error, if any. It is idempotent: later calls wait for the same end
// and return the same error. If ctx ends first, Close returns ctx's error
// while the final commit still completes in the background.
func (c *Committer) Close(ctx context.Context) error {
	c.closeM.Do(func() {
		c.mu.Lock() // waits for in-flight Adds, which the loop keeps draining
		c.closed = true
		c.mu.Unlock()
		// Buffered or not, this send cannot block forever: the loop runs
		// until it receives it, and nobody else sends any more.
		go func() { c.in <- msg{stop: true} }()
	})
	select {
	case <-c.done:
		return c.firstErr()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Flushes returns how many commits have completed so far. It lets a caller
// tell when a row it queued is visible to the DB's readers without waiting
// for it: a row whose Add returned while Flushes was k is committed once
// Flushes reaches k+2 (the commit running when it was queued may have
// missed it; the next one cannot). It costs one atomic load.
func (c *Committer) Flushes() uint64 { return c.flushes.Load() }

func (c *Committer) firstErr() error {
	c.errMu.Lock()
	defer c.errMu.Unlock()
	return c.err
}

func (c *Committer) setErr(err error) {
	c.errMu.Lock()
	defer c.errMu.Unlock()
	if c.err == nil {
		c.err = err
	}
}
