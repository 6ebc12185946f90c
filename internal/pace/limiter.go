package pace

import (
	"math"
	"sync"
	"time"

	"github.com/batchprompt/batchprompt/internal/clock"
)

// Limits are a model's rate limits, per minute. Zero means unknown.
type Limits struct {
	RPM float64 `json:"rpm"`
	TPM float64 `json:"tpm"`
}

// probeTimeout is how long the limiter waits for the first response while
// it is learning the limits before it lets another probe request go. It is
// only a safety net: the caller ends a probe early with Observe.
const probeTimeout = 10 * time.Second

// headerlessProbes is how many answers without x-ratelimit-limit-* headers
// end the learning phase: such a server (a local model server, say) has no
// limits to learn, and sending one request at a time would be wasteful.
const headerlessProbes = 3

// burstWindow is how much of a limit the buckets hold: a quarter of a
// second keeps the sends even at any limit while leaving a queue of
// callers enough slack to use every token.
const burstWindow = 0.25

// Rate cuts on 429: each cuts the rate to throttleCut of what it was, no
// more often than throttleSpacing (one overload answers many requests at
// once), never below throttleFloor of the limit; the cut is undone
// linearly at throttleRecovery of the limit per second.
const (
	throttleCut      = 0.9
	throttleSpacing  = 2 * time.Second
	throttleFloor    = 0.25
	throttleRecovery = 0.0025
)

// Limiter paces requests to one model under its RPM and TPM limits. Both
// buckets are reserved at the same instant and the caller waits for the
// later of the two, so waiting for tokens never burns a request slot.
//
// Buckets hold burstWindow's worth of the per-minute limit (at least one
// request, and at least the largest request seen for tokens): OpenAI may
// enforce a minute's limit over much shorter windows, so we pace evenly
// rather than bursting.
//
// A 429 (any answer carrying Retry-After) empties both buckets, so that the
// end of the global pause is not followed by a burst, and cuts the rate by
// a tenth (at most once per throttleSpacing). Where the server reports
// remaining-*, the cut is to the shares below, which the feedback grows
// back; elsewhere the cut is undone linearly at throttleRecovery.
//
// A limit that is neither given nor yet learned is learned from the first
// response: until one arrives only one request (the probe) is let through,
// so a run never opens with a burst of --concurrency requests. The bucket
// of a newly learned limit is seeded from the response's remaining header,
// and every later response re-syncs it (see Observe).
//
// Once the server reports remaining-*, the limiter paces at a share of each
// limit that the server's own count sets (share.go): the share grows while
// the server's bucket stays full and shrinks when it empties faster than
// the limit refills it. So a server that charges more (or less) than our
// count, and other users of the key, are paced for without being told:
// several processes on one key converge on an equal split. A turn is
// given at most lookAhead ahead, so a new share reaches every caller at
// once. It is safe for concurrent use.
type Limiter struct {
	mu       sync.Mutex
	rpm, tpm *bucket
	limits   Limits
	headroom float64
	fixedRPM bool
	fixedTPM bool
	clk      clock.Clock

	learning   bool          // some limit is unknown and no answer has told us yet
	probing    bool          // a probe request is out
	probeStart time.Time     // when it was let through
	headerless int           // answers without limit headers while learning
	changed    chan struct{} // closed and replaced when learning state changes

	avgCharge float64   // moving average of a request's token charge
	resetAt   time.Time // the later of the last reset-requests/-tokens instants

	scale    float64   // share of the limits in use after 429s; 1 = all
	cutScale float64   // scale right after the last cut
	lastCut  time.Time // when the rate was last cut

	// Share of each limit set from the server's remaining-* (share.go);
	// inactive (1) until a remaining header arrives.
	req, tok *share
	trust    trust   // which limit headers are believed (trust.go)
	ratio    float64 // estimated server charge per token of ours; 0 = unknown
	others   Limits  // estimated use by others of the key, per minute
}

// NewLimiter returns a limiter for the given limits. A zero limit is
// learned from the x-ratelimit-limit-* headers of responses (see Observe);
// until the first response only one request at a time is let through.
// headroom (0.02 for 2 %) is kept unused below a learned limit.
func NewLimiter(l Limits, headroom float64, clk clock.Clock) *Limiter {
	lim := &Limiter{
		rpm:      newUnlimited(),
		tpm:      newUnlimited(),
		headroom: headroom,
		clk:      clock.Or(clk),
		fixedRPM: l.RPM > 0,
		fixedTPM: l.TPM > 0,
		changed:  make(chan struct{}),
		scale:    1,
		req:      newShare(1),
		tok:      newShare(learnedTokenShareMax),
	}
	if lim.fixedTPM {
		lim.tok.max = 1
	}
	lim.learning = !lim.fixedRPM || !lim.fixedTPM
	lim.setLocked(l, Limits{-1, -1})
	return lim
}

// Limits returns the limits in force (zero where unknown).
func (l *Limiter) Limits() Limits {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limits
}

// RequestRate returns the requests per second the limits allow at the
// average token charge seen so far; +Inf while no limit is known. It is
// what a concurrency Gate needs for Little's law.
func (l *Limiter) RequestRate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := math.Inf(1)
	if l.limits.RPM > 0 {
		r = l.perSecLocked(l.limits.RPM, l.req)
	}
	if l.limits.TPM > 0 && l.avgCharge > 0 {
		r = math.Min(r, l.perSecLocked(l.limits.TPM, l.tok)/l.avgCharge)
	}
	return r
}

// learnedTokenShareMax bounds the share of a learned token limit, in our
// count: a server charging a quarter of what we count is as far as we
// follow it.
const learnedTokenShareMax = 4

// tokenShareMaxLocked is the largest share of the token limit we may pace
// at. Past a share of 1 we send more than the limit in force by our own
// count, which only a server charging less than we count makes right,
// and the share finds out by stepping over and reading the deficit that
// follows. That probing is safe in requests small beside the server's
// short window; a request of more than a second of the limit (an
// embeddings request of many rows is several) may be most of what the
// window holds (OpenAI may enforce a minute's limit per second), and one
// sent early is refused before any answer shows the deficit. Requests
// that large are paced at the limit in force (the headroom is kept),
// never beyond it: in the server's count where a steady run of sends has
// shown how it counts (a charge ratio below 1), in ours otherwise.
func (l *Limiter) tokenShareMaxLocked() float64 {
	switch {
	case l.fixedTPM:
		return 1
	case l.avgCharge > l.limits.TPM/60:
		if l.ratio > 0 && l.ratio < 1 {
			return 1 / l.ratio
		}
		return 1
	}
	return learnedTokenShareMax
}

// perSecLocked is the rate we pace a dimension at: its per-minute limit
// scaled by the cut after 429s and by its share.
func (l *Limiter) perSecLocked(perMin float64, s *share) float64 {
	return perMin / 60 * l.scale * s.s
}

// applyRatesLocked sets both buckets' rates from the limits, the scale and
// the shares, keeping each bucket's level and reservations.
func (l *Limiter) applyRatesLocked(now time.Time) {
	if l.limits.RPM > 0 {
		l.rpm.setRate(now, l.perSecLocked(l.limits.RPM, l.req))
	}
	if l.limits.TPM > 0 {
		l.tpm.setRate(now, l.perSecLocked(l.limits.TPM, l.tok))
	}
}

// ResetAt returns when the server last said its limits would be whole
// again (the later of x-ratelimit-reset-requests and -tokens), or the zero
// time if no response has said.
func (l *Limiter) ResetAt() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.resetAt
}

// baseBurstLocked is what a bucket for a per-minute limit holds for an
// even pace, burstWindow of it (at least one); the token bucket grows
// beyond it to hold the largest request.
func (l *Limiter) baseBurstLocked(perMin float64) float64 {
	return math.Max(1, math.Ceil(perMin/60*burstWindow))
}

// setLocked applies limits. A dimension switched from unknown to known gets
// a fresh bucket holding seed (a negative seed means empty).
func (l *Limiter) setLocked(n, seed Limits) {
	now := l.clk.Now()
	apply := func(rl **bucket, old, perMin, seed float64, s *share) {
		if perMin <= 0 || perMin == old {
			return
		}
		perSec := l.perSecLocked(perMin, s) // floats: an integer division truncates 50/60 to 0
		burst := int(l.baseBurstLocked(perMin))
		if old > 0 {
			// Keep the level and any reservations.
			(*rl).setRate(now, perSec)
			(*rl).setBurst(now, math.Max(float64(burst), (*rl).burst))
			return
		}
		// Replace the unlimited bucket: it holds no reservation worth
		// keeping. A new bucket starts full; take away what the server
		// does not grant.
		nl := newBucketAt(perSec, burst, now)
		nl.drainTo(now, math.Floor(math.Max(0, seed)))
		*rl = nl
	}
	apply(&l.rpm, l.limits.RPM, n.RPM, seed.RPM, l.req)
	apply(&l.tpm, l.limits.TPM, n.TPM, seed.TPM, l.tok)
	if n.RPM > 0 {
		l.limits.RPM = n.RPM
	}
	if n.TPM > 0 {
		l.limits.TPM = n.TPM
	}
}
