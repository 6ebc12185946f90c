package pipeline

import (
	"context"
	"time"
)

// drain watches for the run being stopped: when ctx ends, requests already
// sent get Options.DrainTimeout to finish, so that their (paid) results
// are committed; when Options.Abandon closes (a second Ctrl-C) they are
// abandoned at once. Either way what has arrived is committed before Run
// returns. The returned function ends the watch.
func (r *runner) drain(ctx context.Context) (done func()) {
	end := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-r.opt.Abandon:
		case <-end:
			return
		}
		r.stopDispatch()
		t := r.clk.NewTimer(r.opt.DrainTimeout)
		defer t.Stop()
		select {
		case <-t.C():
		case <-r.opt.Abandon:
			r.opt.Logger.Warn("abandoning the requests in flight: their rows stay pending for the next run")
		case <-end:
			return
		}
		r.abortSends()
	}()
	return func() { close(end) }
}

// fail stops the run for a fatal error; the first cause wins.
func (r *runner) fail(err error) { r.stopWith(Failed, err) }

// stopWith stops dispatching new requests. Requests in flight finish and
// are committed.
func (r *runner) stopWith(reason StopReason, err error) {
	r.mu.Lock()
	if r.stop == Completed {
		r.stop, r.stopErr = reason, err
		r.opt.Logger.Error("stopping", "reason", reason.String(), "err", err)
	}
	r.mu.Unlock()
	r.stopDispatch()
}

// stalled stops the run when every request to m has failed for longer
// than the stall timeout: during an outage, rows stay pending rather than
// burning their attempts into error rows.
func (r *runner) stalled(m *model) bool {
	if err := m.pacer.Stalled(r.opt.StallTimeout); err != nil {
		r.stopWith(Stalled, err)
		return true
	}
	return false
}

func (r *runner) succeeded() {
	r.mu.Lock()
	r.anyOK = true
	r.mu.Unlock()
}

func (r *runner) hadSuccess() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.anyOK
}

// pausedFor is the longest rate-limit pause in force on any model.
func (r *runner) pausedFor() time.Duration {
	var d time.Duration
	r.eachModel(func(m *model) { d = max(d, m.pacer.PausedFor()) })
	return d
}
