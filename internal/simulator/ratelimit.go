package simulator

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// bucket is a continuously refilling token bucket for one per-minute limit.
// Its level may go negative: a request bigger than the capacity is admitted
// when the bucket is full and leaves it in debt, so such requests are slow
// but possible, as on the real API.
//
// A foreign load (another user of the key) drains the bucket at foreign per
// minute. It is applied as a lower net refill rate, computed lazily from the
// elapsed time, so a full bucket stays full while the net rate is positive
// (the other user's requests are refilled as they come) and an idle client
// sees remaining fall only when the other user outspends the refill.
type bucket struct {
	perMinute float64
	foreign   float64 // per minute consumed by another user of the key
	capacity  float64
	level     float64
	last      time.Time
	started   bool
}

func newBucket(perMinute int64, seconds float64) *bucket {
	if perMinute <= 0 {
		return nil
	}
	pm := float64(perMinute)
	return &bucket{perMinute: pm, capacity: pm * seconds / 60} // multiply first: 1000 × 60 / 60 is exactly 1000
}

func (b *bucket) refill(now time.Time) {
	if !b.started {
		b.started, b.level, b.last = true, b.capacity, now
		return
	}
	if dt := now.Sub(b.last).Seconds(); dt > 0 {
		level := b.level + dt*(b.perMinute-b.foreign)/60
		if level < b.level {
			// The other user is refused at an empty bucket: it never
			// pushes the level below zero (nor deeper into existing debt).
			level = math.Max(level, math.Min(b.level, 0))
		}
		b.level = math.Min(b.capacity, level)
		b.last = now
	}
}

// maxWait bounds the waits reported when a foreign load leaves nothing to
// refill with, so Retry-After stays a finite, honest "not soon".
const maxWait = time.Minute

// perSecond is the net refill rate left after the foreign load.
func (b *bucket) perSecond() float64 {
	return (b.perMinute - b.foreign) / 60
}

// until returns how long the net refill takes to supply amount.
func (b *bucket) until(amount float64) time.Duration {
	if amount <= 0 {
		return 0
	}
	r := b.perSecond()
	if r <= 0 || amount/r > maxWait.Seconds() {
		return maxWait
	}
	return time.Duration(amount / r * float64(time.Second))
}

// wait returns how long until cost can be admitted (0 = now).
func (b *bucket) wait(cost float64) time.Duration {
	need := math.Min(cost, b.capacity)
	if b.level >= need {
		return 0
	}
	return b.until(need - b.level)
}

// remaining is what the x-ratelimit-remaining-* header shows: the
// per-minute limit less what the bucket is short of full. Like the real
// headers it can look high while a short-window burst is being refused.
func (b *bucket) remaining() int64 {
	r := math.Floor(b.perMinute - (b.capacity - b.level))
	return int64(math.Max(0, math.Min(b.perMinute, r)))
}

// reset is how long until the bucket is full again.
func (b *bucket) reset() time.Duration {
	return b.until(b.capacity - b.level)
}

// limiter holds the RPM and TPM buckets; either may be nil (unlimited).
type limiter struct {
	mu       sync.Mutex
	req, tok *bucket
}

// refillLocked brings both buckets up to now; l.mu must be held.
func (l *limiter) refillLocked(now time.Time) {
	for _, b := range []*bucket{l.req, l.tok} {
		if b != nil {
			b.refill(now)
		}
	}
}

// limitState is a snapshot for the x-ratelimit-* headers.
type limitState struct {
	reqLimit, tokLimit         int64
	reqRemaining, tokRemaining int64
	reqReset, tokReset         time.Duration
	hasReq, hasTok             bool
}

// refusal describes a 429 from the buckets.
type refusal struct {
	wait     time.Duration // 0 with tooLarge: waiting cannot help
	tooLarge bool
	kind     string // "requests per min (RPM)" or "tokens per min (TPM)"
	limit    int64
	used     int64
	asked    int64
}

// admit charges one request of tokens at now, or refuses it without
// charging anything. It returns the header snapshot after the decision.
func (l *limiter) admit(now time.Time, tokens int64) (*refusal, limitState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refillLocked(now)
	var ref *refusal
	if l.tok != nil && float64(tokens) > l.tok.perMinute {
		ref = &refusal{tooLarge: true, kind: "tokens per min (TPM)", limit: int64(l.tok.perMinute), asked: tokens}
	} else {
		ref = l.refuse(l.req, 1, "requests per min (RPM)", ref)
		ref = l.refuse(l.tok, tokens, "tokens per min (TPM)", ref)
	}
	if ref == nil {
		if l.req != nil {
			l.req.level--
		}
		if l.tok != nil {
			l.tok.level -= float64(tokens)
		}
	}
	return ref, l.stateLocked()
}

// refuse returns the refusal with the longer wait of prev and bucket b's.
func (l *limiter) refuse(b *bucket, cost int64, kind string, prev *refusal) *refusal {
	if b == nil {
		return prev
	}
	w := b.wait(float64(cost))
	if w <= 0 || (prev != nil && prev.wait >= w) {
		return prev
	}
	return &refusal{wait: w, kind: kind, limit: int64(b.perMinute),
		used: int64(b.perMinute) - b.remaining(), asked: cost}
}

// state returns the header snapshot at now without charging.
func (l *limiter) state(now time.Time) limitState {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refillLocked(now)
	return l.stateLocked()
}

func (l *limiter) stateLocked() limitState {
	var st limitState
	if b := l.req; b != nil {
		st.hasReq, st.reqLimit, st.reqRemaining, st.reqReset = true, int64(b.perMinute), b.remaining(), b.reset()
	}
	if b := l.tok; b != nil {
		st.hasTok, st.tokLimit, st.tokRemaining, st.tokReset = true, int64(b.perMinute), b.remaining(), b.reset()
	}
	return st
}

// setHeaders writes the x-ratelimit-* headers for the limits that are set.
func (st limitState) setHeaders(h http.Header) {
	if st.hasReq {
		h.Set("x-ratelimit-limit-requests", strconv.FormatInt(st.reqLimit, 10))
		h.Set("x-ratelimit-remaining-requests", strconv.FormatInt(st.reqRemaining, 10))
		h.Set("x-ratelimit-reset-requests", fmtWait(st.reqReset))
	}
	if st.hasTok {
		h.Set("x-ratelimit-limit-tokens", strconv.FormatInt(st.tokLimit, 10))
		h.Set("x-ratelimit-remaining-tokens", strconv.FormatInt(st.tokRemaining, 10))
		h.Set("x-ratelimit-reset-tokens", fmtWait(st.tokReset))
	}
}

// fmtWait renders d rounded up to the millisecond as a Go duration string
// ("1.982s", "20ms", "6m0s"), the form the API uses.
func fmtWait(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	return ceilDur(d, time.Millisecond).String()
}

func ceilDur(d, unit time.Duration) time.Duration {
	return (d + unit - 1) / unit * unit
}

// apiError turns a refusal into the API's 429 body and sets the retry
// headers on h.
func (r *refusal) toAPIError(model string, h http.Header) *apiError {
	if r.tooLarge {
		return &apiError{status: http.StatusTooManyRequests, Type: "tokens", Code: strp("rate_limit_exceeded"),
			Message: fmt.Sprintf("Request too large for %s in organization org-simulator on %s: Limit %d, Requested %d. "+
				"The input or output tokens must be reduced in order to run successfully.", model, r.kind, r.limit, r.asked)}
	}
	w := ceilDur(r.wait, time.Millisecond)
	h.Set("retry-after-ms", strconv.FormatInt(w.Milliseconds(), 10))
	h.Set("Retry-After", strconv.FormatInt(int64(ceilDur(w, time.Second)/time.Second), 10))
	typ := "requests"
	if r.kind[0] == 't' {
		typ = "tokens"
	}
	return &apiError{status: http.StatusTooManyRequests, Type: typ, Code: strp("rate_limit_exceeded"),
		Message: fmt.Sprintf("Rate limit reached for %s in organization org-simulator on %s: Limit %d, Used %d, Requested %d. "+
			"Please try again in %s.", model, r.kind, r.limit, r.used, r.asked, w)}
}
