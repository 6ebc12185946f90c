package pace

// This file holds the Limiter's pacing side: waiting for a turn, the
// probe while limits are learned, and reserving both buckets at once.

import (
	"context"
	"fmt"
	"time"

	"github.com/batchprompt/batchprompt/internal/clock"
)

// ErrTooLarge is returned by Wait for a request whose token charge exceeds
// the whole per-minute token limit given by the caller: it could never be
// sent. A limit learned from the server never makes a request too large
// (one wrong header must not fail rows for good): such a request waits
// for the bucket, and the server has the last word.
type ErrTooLarge struct{ Tokens, TPM int64 }

func (e *ErrTooLarge) Error() string {
	return fmt.Sprintf("request needs %d tokens but the token limit given (--tpm) is %d per minute: it can never be sent (raise --tpm, lower --max-tokens or shorten the prompt)", e.Tokens, e.TPM)
}

// Wait blocks until a request charged tokens may be sent, or ctx ends.
// While limits are being learned it lets one request through at a time.
//
// A caller woken much later than its turn (more than lateAfter: the
// process was starved of CPU, or suspended) queues once more instead of
// sending at once: otherwise every caller delayed by the same stall would
// send together, a burst the server's short window may refuse.
func (l *Limiter) Wait(ctx context.Context, tokens int64) error {
	_, err := l.waitSent(ctx, tokens)
	return err
}

// waitSent is Wait returning the instant the request was let go, the one
// to pass back to ObserveRequest with its answer.
func (l *Limiter) waitSent(ctx context.Context, tokens int64) (time.Time, error) {
	if err := l.wait(ctx, tokens); err != nil {
		return time.Time{}, err
	}
	now := l.clk.Now()
	l.noteSent(now, tokens)
	return now, nil
}

// noteSent records a request let go at now, for the estimates of what we
// sent between two answers (answered or still in flight) and for what of
// the server's deficit our own sends explain (share.sent).
func (l *Limiter) noteSent(now time.Time, tokens int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.req.sent(now, 1, l.rpm.perSec, l.rpm.burst, l.baseBurstLocked(l.limits.RPM))
	l.tok.sent(now, float64(tokens), l.tpm.perSec, l.tpm.burst, l.baseBurstLocked(l.limits.TPM))
}

func (l *Limiter) wait(ctx context.Context, tokens int64) error {
	requeued := false
	for {
		delay, cancel, hold, err := l.admit(tokens)
		if err != nil {
			return err
		}
		if hold != nil {
			if err := clock.Wait(ctx, l.clk, hold.changed, hold.timeout); err != nil {
				return err
			}
			continue
		}
		if delay <= 0 {
			return nil
		}
		due := l.clk.Now().Add(delay)
		if err := clock.Wait(ctx, l.clk, nil, delay); err != nil {
			cancel()
			return err
		}
		if requeued || !late(due, l.clk.Now()) {
			return nil
		}
		requeued = true
	}
}

// lateAfter is how late a caller may wake and still send. Callers late by
// less make a burst of at most a second's worth after a stall, which the
// server (whose bucket refilled during our stall, and which OpenAI says may
// enforce a minute's limit per second) grants; later ones queue again.
const lateAfter = time.Second

// late reports whether a caller due at due and woken at now missed its turn
// by more than lateAfter.
func late(due, now time.Time) bool {
	return now.Sub(due) > lateAfter
}

// hold tells a caller to wait for the learning state to change, or for its
// turn to come near (changed is nil then), and ask again.
type hold struct {
	changed <-chan struct{}
	timeout time.Duration
}

// admit is reserve, preceded by the learning gate: while a probe is out,
// callers are told to hold until it answers or probeTimeout passes. A turn
// further than lookAhead away is not given: the caller holds until then.
func (l *Limiter) admit(tokens int64) (time.Duration, func(), *hold, error) {
	l.mu.Lock()
	probe := false
	if l.learning {
		now := l.clk.Now()
		if l.probing {
			if left := l.probeStart.Add(probeTimeout).Sub(now); left > 0 {
				h := &hold{changed: l.changed, timeout: left}
				l.mu.Unlock()
				return 0, nil, h, nil
			}
		}
		l.probing, l.probeStart, probe = true, now, true
	}
	l.mu.Unlock()
	d, cancel, err := l.reserve(tokens)
	if err != nil && probe {
		l.unprobe()
	}
	if err == nil && d > lookAhead {
		// Too far ahead: hand the turn back and come again when it is
		// near. A turn is committed once given, so turns given far ahead
		// would keep the old rate after the share is cut.
		cancel()
		if probe {
			// Nothing was sent: the probe is not out. Kept, it would
			// hold every caller, this one too, for probeTimeout.
			l.unprobe()
		}
		return 0, nil, &hold{timeout: d - lookAhead/2}, nil
	}
	return d, cancel, nil, err
}

// unprobe hands back the probe a caller took but did not send.
func (l *Limiter) unprobe() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.learning && l.probing {
		l.probing = false
		l.notifyLocked()
	}
}

// lookAhead is how far ahead a turn is given: a change of rate reaches
// every caller within it.
const lookAhead = 250 * time.Millisecond

// reserve takes one request and tokens from the buckets at the same
// instant and returns how long the caller must wait before sending, and a
// function that hands both back if the caller gives up before then.
func (l *Limiter) reserve(tokens int64) (time.Duration, func(), error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fixedTPM && float64(tokens) > l.limits.TPM {
		return 0, nil, &ErrTooLarge{Tokens: tokens, TPM: int64(l.limits.TPM)}
	}
	if l.avgCharge == 0 {
		l.avgCharge = float64(tokens)
	} else {
		l.avgCharge += (float64(tokens) - l.avgCharge) / 64
	}
	now := l.clk.Now()
	l.recoverLocked(now)
	if !l.tpm.unlimited() && float64(tokens) > l.tpm.burst {
		// The bucket must hold the largest request, or it would never
		// be full enough for it.
		l.tpm.setBurst(now, float64(tokens))
	}
	d1, c1 := l.rpm.reserve(now, 1)
	d2, c2 := l.tpm.reserve(now, float64(tokens))
	cancel := func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		t := l.clk.Now()
		c1(t)
		c2(t)
	}
	return max(d1, d2), cancel, nil
}
