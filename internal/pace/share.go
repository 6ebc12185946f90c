package pace

import (
	"math"
	"sort"
	"time"
)

// This file holds the feedback that sets how much of a limit we pace at:
// the server's own count of what is left (x-ratelimit-remaining-*) against
// what we sent. It is what makes the limiter right when the server counts
// tokens differently from us, or when others use the same key.

// Share control constants (shares are of the per-minute limit, deficits
// are what the server's bucket is short of full, as a share of the limit):
//
//   - shareGain is the additive increase per second (Kelly's primal
//     algorithm): every process on a key adds the same, and each takes
//     away in proportion to its own share times the deficit, so the split
//     converges to an equal one whoever started first.
//   - shareDeficit is the deficit at which a process alone on the key
//     stops growing: a second's worth of its limit is 1/60, so the server's
//     bucket stays about a third of a second short of full, far from empty.
//   - shareDamping is how fast an excess (the deficit growing) is taken
//     back: within about one and a half seconds, a few round trips.
//   - shareSlowStart doubles a share in about three seconds while the
//     server's bucket is full (nothing binds: a load beside us stopped),
//     if answers come often enough to see an overshoot soon (dense).
//   - shareFull is the deficit below which the server's bucket counts as
//     full: a few requests' worth of rounding.
//   - shareWindow is how far back in send time samples are kept (at most
//     shareSamples); a fit uses the newest of them spanning fitSpan and
//     at least fitMin samples: short, because the slope's lag is half the
//     span, and a lagging slope makes the share swing.
//   - sendWindow is the window over which what we sent is measured; it
//     reaches further back to hold at least sendsMin sends, since a rate
//     read from one request of a few seconds' tokens is no rate at all.
//     The newest sendsKept sends are kept whatever their age, so that a
//     fit over sparse answers knows what we sent across its span.
//   - shareMin is the least share: never throttled to nothing, so the
//     server's answers keep telling us when room comes back.
//   - shareStart is the share of a newcomer whose first answer finds the
//     server's bucket short of full: others use the key, and starting at
//     the whole limit would overload it until the feedback caught up.
const (
	shareGain      = 0.05
	shareDeficit   = 0.006
	shareDamping   = 1.5
	shareSlowStart = 4.0
	shareFull      = 0.0015
	shareWindow    = 10 * time.Second
	shareSamples   = 64
	fitSpan        = 1500 * time.Millisecond
	fitMin         = 8
	sendWindow     = 3 * time.Second
	sendsMin       = 4
	sendsKept      = shareSamples
	shareMin       = 0.02
	shareStart     = 0.3
)

// sample is what one answer said about the server's bucket: its deficit
// (the limit less remaining) when the request that carried it arrived,
// less that request's own charge, and our own charge.
type sample struct {
	sent   time.Time
	excess float64 // deficit before our request: what others and earlier requests left
	own    float64 // our count of the request's charge
	lump   float64 // for our sends: the part of the deficit our own lumpy sends explain (see sent)
}

// share is the feedback for one dimension (requests or tokens). The
// limiter paces at limit × s. It is not safe for concurrent use: the
// Limiter's mutex guards it.
type share struct {
	s       float64 // share of the limit we pace at, in our own count
	max     float64 // largest s allowed
	deficit float64 // the deficit at which a lone process stops growing
	active  bool    // a remaining header has been seen: s is in use
	last    time.Time
	samples []sample // by send time
	sends   []sample // our sends, by send time (excess unused)

	// Estimates from the last fit (for Estimates): the total use of the
	// limit by everyone, and ours, as shares, over the window.
	total, oursFit float64
	fitted         bool

	ours float64 // what we sent over the last window, as a share of the limit
	debt float64 // our own sends' debt at our pace just before the newest send (see sent)
	base float64 // the bucket's even-pace burst at the newest send
}

func newShare(max float64) *share {
	return &share{s: 1, max: max, deficit: shareDeficit}
}

// observe takes one answer: the server's limit and remaining for this
// dimension, our charge of the request (own), when it was sent and when
// its answer came (now), and lump, the part of the deficit our own
// earlier sends explain (see sent), both in the server's count. inForce
// is the limit we pace at (the server's less the headroom, or the
// caller's). appLimited says the caller's queue is empty. The share grows
// only while what we send keeps up with it: otherwise it would grow
// unseen by the server, and come out as a burst. It returns the new
// share.
func (c *share) observe(now, sent time.Time, limit, inForce, remaining, own, lump float64, appLimited bool) float64 {
	if limit <= 0 {
		return c.s
	}
	excess := math.Max(0, limit-remaining-own-lump) / limit
	c.insert(sample{sent: sent, excess: excess, own: own})
	if !c.active {
		c.active, c.last = true, now
		if excess > shareFull {
			c.s = math.Min(c.s, shareStart) // others are on the key: start low
		}
		return c.s
	}
	dt := math.Min(1, now.Sub(c.last).Seconds())
	if dt <= 0 {
		return c.s
	}
	c.last = now
	level, slope := c.fit(limit)
	c.ours = c.sentShare(now, limit)
	appLimited = appLimited || c.ours < 0.85*c.s*inForce/limit
	// The slope is how far everyone together is above the limit (below,
	// when negative): each takes back (or adds) in proportion to its
	// share, so the sum moves by the excess whatever the number of
	// processes. This is the damping; the additive term below is what
	// makes the split fair.
	c.s *= math.Exp(-dt * slope / shareDamping)
	before := c.s
	add := dt * shareGain * (1 - c.s*level/c.deficit)
	if !appLimited && level < shareFull && c.dense() {
		c.s *= 1 + dt/shareSlowStart
	}
	if add < 0 || !appLimited {
		c.s += add
	}
	if c.base > 0 && own > c.base {
		// A request of more than a burst is seconds of the limit: a
		// share grown past what the server grants shows only an answer
		// later, after a whole request sent too early. One answer grows
		// the share by at most a burst's worth of that request, so an
		// overshoot costs the server's window a burst, not a request.
		c.s = math.Min(c.s, before*(1+c.base/own))
	}
	c.s = math.Max(shareMin, math.Min(c.max, c.s))
	return c.s
}

// dense reports whether answers come often enough for the slow start:
// fitMin of them within fitSpan, so that the fit sees an overshoot within
// about a second. Sparser answers (a few requests a second at a low
// limit, or requests of seconds of it) show it only after several
// seconds, by when a share doubling every few seconds has overshot by
// half: the limit is then found by the additive increase alone.
func (c *share) dense() bool {
	n := len(c.samples)
	return n >= fitMin && c.samples[n-1].sent.Sub(c.samples[n-fitMin].sent) <= fitSpan
}

// insert keeps samples sorted by send time (answers arrive out of order)
// and drops those older than the window.
func (c *share) insert(x sample) {
	i := sort.Search(len(c.samples), func(i int) bool { return c.samples[i].sent.After(x.sent) })
	c.samples = append(c.samples, sample{})
	copy(c.samples[i+1:], c.samples[i:])
	c.samples[i] = x
	newest := c.samples[len(c.samples)-1].sent
	cut := max(0, len(c.samples)-shareSamples)
	for cut < len(c.samples) && newest.Sub(c.samples[cut].sent) > shareWindow {
		cut++
	}
	if cut > 0 {
		c.samples = append(c.samples[:0], c.samples[cut:]...)
	}
}

// fit returns the deficit now (the least-squares line through the samples
// at the newest send time) and its slope, in shares of the limit per
// minute: the slope is how far everyone's use together exceeds the limit
// (0.1: by a tenth). Too few samples give the newest deficit and no slope.
func (c *share) fit(limit float64) (level, slope float64) {
	all := c.samples
	newest := all[len(all)-1]
	first := len(all) - 1
	for first > 0 && (len(all)-first < fitMin || newest.sent.Sub(all[first].sent) < fitSpan) {
		first--
	}
	use := all[first:]
	n := len(use)
	c.fitted = false
	if n < 4 || newest.sent.Sub(use[0].sent) < 200*time.Millisecond {
		return newest.excess, 0
	}
	var st, sx, stt, stx float64
	for _, x := range use {
		t := x.sent.Sub(newest.sent).Minutes()
		st, sx, stt, stx = st+t, sx+x.excess, stt+t*t, stx+t*x.excess
	}
	fn := float64(n)
	den := fn*stt - st*st
	if den <= 0 {
		return newest.excess, 0
	}
	slope = (fn*stx - st*sx) / den
	level = math.Max(0, (sx-slope*st)/fn)
	if level < shareFull && slope < 0 {
		slope = 0 // the bucket is full: the refill is not all used, by how much is unknown
	}
	c.estimate(newest.sent, use[0].sent, slope, level, limit)
	return level, slope
}

// estimate sets total and oursFit: over the window, everyone used
// 1 + slope of the limit (only meaningful while the bucket is not full,
// and while what we sent in it is a rate: see steadySends), and we sent
// ours.
func (c *share) estimate(newest, oldest time.Time, slope, level, limit float64) {
	c.oursFit = c.sentShareSince(oldest, newest, limit)
	c.total = 1 + slope
	c.fitted = level >= shareFull && c.steadySends(oldest, newest)
}

// cut cuts the share after a refusal: the deficit reached what the
// server's window holds, so the deficit we aim for must be well below it.
func (c *share) cut(limit, remaining float64, haveRemaining bool) {
	c.s = math.Max(shareMin, c.s*throttleCut)
	if haveRemaining && limit > 0 {
		if reached := (limit - remaining) / limit; reached > 0 {
			c.deficit = math.Max(shareFull*2, math.Min(c.deficit, reached/6))
		}
	}
}
