// Package clock is the one source of time for everything in batchprompt
// that waits: pacing, the gate, backoff, the 429 pause, stall detection,
// the drain after Ctrl-C and the committer. Passing a Clock in, rather than
// calling time.Now and time.NewTimer, lets tests drive time by hand (Fake)
// so that behaviour over minutes is checked in microseconds, with no sleep.
package clock

import (
	"context"
	"time"
)

// Clock tells the time and makes timers. Implementations are safe for
// concurrent use.
type Clock interface {
	Now() time.Time
	// NewTimer returns a timer that fires once, d from now.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer, as time.Timer.
type Timer interface {
	// C is the channel the time is sent on when the timer fires.
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it did.
	Stop() bool
}

// Real is the wall clock: time.Now and time.NewTimer.
type Real struct{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// NewTimer returns a time.Timer.
func (Real) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }
func (r realTimer) Stop() bool          { return r.t.Stop() }

// Or returns c, or Real when c is nil.
func Or(c Clock) Clock {
	if c == nil {
		return Real{}
	}
	return c
}

// Sleep waits d on c, or until ctx ends. It reports whether the whole of d
// passed; a d of zero or less returns at once with ctx.Err() == nil.
func Sleep(ctx context.Context, c Clock, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	return Wait(ctx, c, nil, d) == nil && ctx.Err() == nil
}

// Wait waits d on c, or until ch is closed, or until ctx ends, whichever
// comes first, and returns ctx.Err() in the last case. A nil ch is never
// closed; a d below zero never elapses, so the wait ends only on ch or ctx.
func Wait(ctx context.Context, c Clock, ch <-chan struct{}, d time.Duration) error {
	var fire <-chan time.Time
	if d >= 0 {
		t := c.NewTimer(d)
		defer t.Stop()
		fire = t.C()
	}
	select {
	case <-fire:
		return nil
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
