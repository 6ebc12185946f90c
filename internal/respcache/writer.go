package respcache

import (
	"context"
	"sync"
	"time"
)

// WriterOptions tunes a Writer. The zero value is usable.
type WriterOptions struct {
	// MaxDelay bounds how long an answer waits before it is stored, which
	// is how late another job sharing the cache may see it. Default 100ms.
	MaxDelay time.Duration
	// MaxEntries stores as soon as this many answers wait; it also sizes
	// the queue. Default 256.
	MaxEntries int
	// After returns a channel that fires once after d, as time.After
	// does; tests inject their own. Default time.After.
	After func(d time.Duration) <-chan time.Time
}

// Writer stores answers in the background, in transactions of up to
// MaxEntries answers at most MaxDelay after the first of them arrived:
// one goroutine does all its writes, so many workers cost the file one
// short write lock per batch. It is best effort by design: an answer that
// could not be stored only means a later job pays for it again, so a
// failure never stops the job; Close reports the first one.
type Writer struct {
	c    *Cache
	opt  WriterOptions
	in   chan Entry
	done chan struct{}

	mu     sync.Mutex // held by Add while sending, so Close cannot close in under it
	closed bool
	errMu  sync.Mutex // apart from mu: the loop sets err while an Add may wait on it
	err    error
}

// NewWriter starts a writer into c. Call Close to store what waits and
// stop it.
func (c *Cache) NewWriter(opt WriterOptions) *Writer {
	if opt.MaxDelay <= 0 {
		opt.MaxDelay = 100 * time.Millisecond
	}
	if opt.MaxEntries <= 0 {
		opt.MaxEntries = 256
	}
	if opt.After == nil {
		opt.After = time.After
	}
	w := &Writer{c: c, opt: opt, in: make(chan Entry, opt.MaxEntries), done: make(chan struct{})}
	go w.loop()
	return w
}

// Add queues e to be stored. It blocks while the queue is full, until
// there is room or ctx ends; after Close it drops e.
func (w *Writer) Add(ctx context.Context, e Entry) {
	w.mu.Lock()
	defer w.mu.Unlock() // held while sending: Close waits for it, the loop keeps draining
	if w.closed {
		return
	}
	select {
	case w.in <- e:
	case <-ctx.Done():
	}
}

// Close stores what is queued, stops the writer and returns the first
// error it met, if any. It is idempotent.
func (w *Writer) Close() error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.in)
	}
	w.mu.Unlock()
	<-w.done
	w.errMu.Lock()
	defer w.errMu.Unlock()
	return w.err
}

func (w *Writer) loop() {
	defer close(w.done)
	var (
		pending []Entry
		timer   <-chan time.Time
	)
	flush := func() {
		timer = nil
		if len(pending) == 0 {
			return
		}
		// Never cancelled: the answers are paid for, and Close waits.
		if err := w.c.Put(context.Background(), pending); err != nil {
			w.errMu.Lock()
			if w.err == nil {
				w.err = err
			}
			w.errMu.Unlock()
		}
		clear(pending)
		pending = pending[:0]
	}
	for {
		select {
		case e, ok := <-w.in:
			if !ok {
				flush()
				return
			}
			pending = append(pending, e)
			if len(pending) >= w.opt.MaxEntries {
				flush()
			} else if timer == nil {
				timer = w.opt.After(w.opt.MaxDelay)
			}
		case <-timer:
			flush()
		}
	}
}
