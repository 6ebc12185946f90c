package pace

// This file holds the Limiter's side that listens to the server: re-syncing
// from the x-ratelimit headers and backing off after a 429. limiter.go holds
// the pacing side.

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// Observe re-syncs the limiter with a response's x-ratelimit headers, for
// a request whose send time and charge are unknown (taken as now and
// nothing). Pacer.Done calls ObserveRequest instead.
func (l *Limiter) Observe(h http.Header) {
	l.ObserveRequest(h, time.Time{}, 0, false)
}

// ObserveRequest re-syncs the limiter with the answer to a request sent at
// sent (when Wait let it go; zero for now) and charged tokens by our
// count. The Pacer passes the very instant the limiter noted the send
// at, which finds what of the server's deficit our own earlier sends
// explain (sends.go); any other instant reads the answer without it. Call it after every request, with the answer's headers whatever
// its status, or with nil when no answer arrived (connection error,
// timeout). ok says the server answered successfully (it granted the
// request).
//
//   - x-ratelimit-limit-*: a limit not fixed by the caller is learned, less
//     the headroom, if it is believable (trust.go); the first one seeds its
//     bucket from the remaining header and ends the learning phase.
//   - x-ratelimit-remaining-*: the server's own count of what is left when
//     the request arrived. It sets the share of each limit we pace at
//     (share.go), up or down, and is an upper bound on what our bucket
//     holds: ours is drained down to it, never refilled above it.
//   - x-ratelimit-reset-*: kept for ResetAt.
//
// It costs a few header lookups, one lock and a least-squares fit over a
// few dozen samples.
func (l *Limiter) ObserveRequest(h http.Header, sent time.Time, tokens int64, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if h == nil {
		if l.learning && l.probing {
			l.probing = false // the probe learned nothing: let the next one go
			l.notifyLocked()
		}
		return
	}
	now := l.clk.Now()
	if sent.IsZero() || sent.After(now) {
		sent = now
	}
	if ok {
		l.trust.grantedTokens(float64(tokens))
	}
	remReq, okReq := headerValue(h, "x-ratelimit-remaining-requests")
	remTok, okTok := headerValue(h, "x-ratelimit-remaining-tokens")
	lim := l.trust.believe(headerFloat(h, "x-ratelimit-limit-requests"), headerFloat(h, "x-ratelimit-limit-tokens"),
		orNegative(remReq, okReq), orNegative(remTok, okTok))
	l.learnLocked(lim, remReq, okReq, remTok, okTok)
	if h.Get("retry-after-ms") != "" || h.Get("Retry-After") != "" {
		l.throttledLocked(now, remReq, okReq, remTok, okTok)
	} else {
		l.shareLocked(now, sent, float64(tokens), remReq, okReq, remTok, okTok)
	}
	if okReq {
		l.rpm.drainTo(now, remReq)
	}
	if okTok {
		l.tpm.drainTo(now, remTok)
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

// learnLocked applies believed limits (lim, the server's, without
// headroom) and ends the learning phase.
func (l *Limiter) learnLocked(lim Limits, remReq float64, okReq bool, remTok float64, okTok bool) {
	if lim.RPM <= 0 && lim.TPM <= 0 {
		if l.learning {
			l.probing = false
			l.headerless++
			if l.headerless >= headerlessProbes {
				l.learning = false
			}
			l.notifyLocked()
		}
		return
	}
	n, seed := Limits{}, Limits{RPM: -1, TPM: -1}
	if !l.fixedRPM && lim.RPM > 0 {
		n.RPM = lim.RPM * (1 - l.headroom)
	}
	if !l.fixedTPM && lim.TPM > 0 {
		n.TPM = lim.TPM * (1 - l.headroom)
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

// shareLocked feeds the remaining headers to the shares and paces at the
// new ones. A dimension whose bucket holds more than half its burst has
// nobody waiting for it: its share must not grow past what is used.
func (l *Limiter) shareLocked(now, sent time.Time, tokens, remReq float64, okReq bool, remTok float64, okTok bool) {
	idle := func(b *bucket) bool {
		return b.unlimited() || b.tokensAt(now) > b.burst/2
	}
	if okReq && l.trust.raw.RPM > 0 {
		l.req.observe(now, sent, l.trust.raw.RPM, l.limits.RPM, remReq, 1, l.req.lumpOf(sent, 1), idle(l.rpm))
	}
	if okTok && l.trust.raw.TPM > 0 {
		k := l.ratio
		if k <= 0 {
			k = 1
		}
		l.tok.max = l.tokenShareMaxLocked()
		l.tok.observe(now, sent, l.trust.raw.TPM, l.limits.TPM, remTok, tokens*k, l.tok.lumpOf(sent, tokens)*k, idle(l.tpm))
	}
	l.estimateLocked()
	l.applyRatesLocked(now)
}

func orNegative(v float64, ok bool) float64 {
	if !ok {
		return -1
	}
	return v
}

// throttledLocked handles a refusal: nothing may be sent now, and the rate
// we keep is too high for what the server grants us. Where the server
// reports remaining, the share is cut (and what the deficit reached tells
// how deep its window is); otherwise the whole rate is, recovering
// linearly.
func (l *Limiter) throttledLocked(now time.Time, remReq float64, okReq bool, remTok float64, okTok bool) {
	l.rpm.drainTo(now, 0)
	l.tpm.drainTo(now, 0)
	l.recoverLocked(now)
	if !l.lastCut.IsZero() && now.Sub(l.lastCut) < throttleSpacing {
		return
	}
	l.lastCut = now
	if l.req.active || l.tok.active {
		l.req.cut(l.trust.raw.RPM, remReq, okReq)
		l.tok.cut(l.trust.raw.TPM, remTok, okTok)
	} else {
		l.scale = math.Max(throttleFloor, l.scale*throttleCut)
		l.cutScale = l.scale
	}
	l.applyRatesLocked(now)
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
	l.applyRatesLocked(now)
}

// notifyLocked wakes every caller holding for the learning state.
func (l *Limiter) notifyLocked() {
	close(l.changed)
	l.changed = make(chan struct{})
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
