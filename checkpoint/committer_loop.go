package checkpoint

import (
	"context"
	"time"
)

// loop is the committer's only goroutine: it owns the pending batch and
// every write, so no lock guards them.
func (c *Committer) loop() {
	defer close(c.done)
	var (
		pending = make([]Row, 0, c.opt.MaxRows)
		timer   <-chan time.Time // armed while pending is not empty
		t       *time.Timer
	)
	after := c.opt.After
	if after == nil {
		after = func(d time.Duration) <-chan time.Time {
			if t == nil {
				t = time.NewTimer(d)
			} else {
				t.Reset(d) // Go ≥1.23: Reset drains, no stale tick
			}
			return t.C
		}
		defer func() {
			if t != nil {
				t.Stop()
			}
		}()
	}
	// flush commits the pending batch; a failure is kept in c.err (sticky),
	// where Add and Close report it.
	flush := func() {
		timer = nil
		if len(pending) == 0 {
			return
		}
		if c.firstErr() != nil {
			pending = pending[:0] // after a failure nothing more is written
			return
		}
		// Never cancelled: see the Committer doc.
		if err := c.db.Commit(context.Background(), pending); err != nil {
			c.setErr(err)
		} else {
			c.flushes.Add(1)
			if c.afterCommit != nil {
				c.afterCommit(len(pending))
			}
		}
		clear(pending) // drop references to outputs and bodies
		pending = pending[:0]
	}
	for {
		select {
		case m := <-c.in:
			if m.stop {
				flush()
				return
			}
			pending = append(pending, m.row)
			if len(pending) >= c.opt.MaxRows {
				flush()
			} else if timer == nil {
				timer = after(c.opt.MaxDelay)
			}
		case <-timer:
			flush()
		}
	}
}
