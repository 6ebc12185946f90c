package pipeline

import (
	"context"
	"errors"
	"time"
)

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

// pause makes every worker wait until d from now before sending: a 429
// means the account's limit is spent, so one worker's wait is everyone's.
func (r *runner) pause(d time.Duration) {
	until := r.opt.Now().Add(d)
	r.mu.Lock()
	if until.After(r.pausedTo) {
		r.pausedTo = until
	}
	r.mu.Unlock()
	r.report()
}

// waitPause blocks while a global rate-limit pause is in force.
func (r *runner) waitPause(ctx context.Context) error {
	for {
		r.mu.Lock()
		d := r.pausedTo.Sub(r.opt.Now())
		r.mu.Unlock()
		if d <= 0 {
			return ctx.Err()
		}
		if !sleepCtx(ctx, d) {
			return ctx.Err()
		}
	}
}

func (r *runner) pausedFor() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d := r.pausedTo.Sub(r.opt.Now()); d > 0 {
		return d
	}
	return 0
}

func (r *runner) succeeded() {
	r.mu.Lock()
	r.anyOK, r.lastOK = true, r.opt.Now()
	r.mu.Unlock()
}

func (r *runner) hadSuccess() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.anyOK
}

// observeError is called for every failed request. Error answers carry the
// rate-limit headers too; a request with no answer at all still ends the
// limiter's one-at-a-time learning step, so a first request lost to a
// reset connection does not hold everyone back.
func (r *runner) observeError(m *model, err error) {
	var de *DecodeError
	switch he, ok := asHTTPError(err); {
	case ok:
		m.limiter.Observe(he.Header)
	case errors.As(err, &de):
		m.limiter.Observe(de.Header)
	default:
		m.limiter.Observe(nil)
	}
}

// stalled stops the run when every request has failed for longer than the
// stall timeout: during an outage, rows stay pending rather than burning
// their attempts into error rows.
func (r *runner) stalled() bool {
	r.mu.Lock()
	since := r.started
	if r.anyOK {
		since = r.lastOK
	}
	over := r.opt.Now().Sub(since) > r.opt.StallTimeout
	r.mu.Unlock()
	if over {
		r.stopWith(Stalled, errStall{timeout: r.opt.StallTimeout, reset: r.main.limiter.ResetAt()})
	}
	return over
}

type errStall struct {
	timeout time.Duration
	reset   time.Time // when the server said its limits are whole again; zero if unknown
}

func (e errStall) Error() string {
	msg := "every request has failed for " + e.timeout.String() + " (rate limits or an outage)"
	if !e.reset.IsZero() {
		msg += "; the server's limits reset at " + e.reset.Format(time.RFC3339)
	}
	return msg + "; rerun the same command later to resume"
}
