package pace

// This file holds the Limiter's side that listens to the server: re-syncing
// from the x-ratelimit headers and backing off after a 429. limiter.go holds
// the pacing side.

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/time/rate"
)

// Observe re-syncs the limiter with a response's x-ratelimit headers. Call
// it after every request, with the answer's headers whatever its status,
// or with nil when no answer arrived (connection error, timeout).
//
//   - x-ratelimit-limit-*: a limit not fixed by the caller is learned, less
//     the headroom; the first one seeds its bucket from the remaining header
//     and ends the learning phase.
//   - x-ratelimit-remaining-*: an upper bound on what may be sent now. If
//     our bucket holds more than the server says remains (another process
//     is using the same key, or the server counts tokens differently), ours
//     is drained down to it; it is never refilled above it.
//   - x-ratelimit-reset-*: kept for ResetAt. Pacing needs no more from them:
//     with remaining and the rate they say the same thing.
//
// It costs a few header lookups and one lock.
func (l *Limiter) Observe(h http.Header) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if h == nil {
		if l.learning && l.probing {
			l.probing = false // the probe learned nothing: let the next one go
			l.notifyLocked()
		}
		return
	}
	rpm := headerFloat(h, "x-ratelimit-limit-requests")
	tpm := headerFloat(h, "x-ratelimit-limit-tokens")
	remReq, okReq := headerValue(h, "x-ratelimit-remaining-requests")
	remTok, okTok := headerValue(h, "x-ratelimit-remaining-tokens")
	now := l.clk.Now()
	if rpm <= 0 && tpm <= 0 {
		if l.learning {
			l.probing = false
			l.headerless++
			if l.headerless >= headerlessProbes {
				l.learning = false
			}
			l.notifyLocked()
		}
	} else {
		n, seed := Limits{}, Limits{RPM: -1, TPM: -1}
		if !l.fixedRPM && rpm > 0 {
			n.RPM = rpm * (1 - l.headroom)
		}
		if !l.fixedTPM && tpm > 0 {
			n.TPM = tpm * (1 - l.headroom)
		}
		if okReq {
			seed.RPM = remReq
		}
		if okTok {
			seed.TPM = remTok
		}
		l.setLocked(n, seed)
		if l.learning {
			l.learning, l.probing = false, false
			l.notifyLocked()
		}
	}
	if h.Get("retry-after-ms") != "" || h.Get("Retry-After") != "" {
		l.throttledLocked(now)
	}
	if okReq {
		drainTo(l.rpm, now, remReq)
	}
	if okTok {
		drainTo(l.tpm, now, remTok)
	}
	var reset time.Duration
	for _, name := range []string{"x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"} {
		if d, err := time.ParseDuration(h.Get(name)); err == nil && d > reset {
			reset = d
		}
	}
	if reset > 0 || okReq || okTok {
		l.resetAt = now.Add(reset)
	}
}

// throttledLocked handles a refusal: nothing may be sent now, and the rate
// we keep is too high for what the server grants us.
func (l *Limiter) throttledLocked(now time.Time) {
	drainTo(l.rpm, now, 0)
	drainTo(l.tpm, now, 0)
	l.recoverLocked(now)
	if !l.lastCut.IsZero() && now.Sub(l.lastCut) < throttleSpacing {
		return
	}
	l.scale = math.Max(throttleFloor, l.scale*throttleCut)
	l.cutScale, l.lastCut = l.scale, now
	l.applyScaleLocked(now)
}

// recoverLocked undoes rate cuts linearly with time since the last one.
func (l *Limiter) recoverLocked(now time.Time) {
	if l.scale >= 1 {
		return
	}
	s := math.Min(1, l.cutScale+throttleRecovery*now.Sub(l.lastCut).Seconds())
	if s-l.scale < 0.001 && s < 1 {
		return // not worth touching the buckets yet
	}
	l.scale = s
	l.applyScaleLocked(now)
}

func (l *Limiter) applyScaleLocked(now time.Time) {
	if l.limits.RPM > 0 {
		l.rpm.SetLimitAt(now, rate.Limit(l.limits.RPM/60*l.scale))
	}
	if l.limits.TPM > 0 {
		l.tpm.SetLimitAt(now, rate.Limit(l.limits.TPM/60*l.scale))
	}
}

// notifyLocked wakes every caller holding for the learning state.
func (l *Limiter) notifyLocked() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// drainTo takes from rl whatever it holds above remaining, so that we never
// send more at once than the server says is left.
func drainTo(rl *rate.Limiter, now time.Time, remaining float64) {
	if rl.Limit() == rate.Inf {
		return
	}
	if excess := math.Ceil(rl.TokensAt(now) - remaining); excess >= 1 {
		rl.ReserveN(now, int(excess)) // excess <= tokens <= burst: always granted
	}
}

// headerValue parses a non-negative number header.
func headerValue(h http.Header, name string) (float64, bool) {
	v := h.Get(name)
	if v == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func headerFloat(h http.Header, name string) float64 {
	f, _ := headerValue(h, name)
	return f
}
