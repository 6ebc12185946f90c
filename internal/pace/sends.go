package pace

import (
	"math"
	"time"
)

// This file holds the share's record of our own sends: what we sent over
// a window (is the caller keeping up with the share?), and the part of
// the server's deficit our own sends explain.

// sent records one of our requests of own tokens let go at at, paced at
// perSec from a bucket holding burst, whose burst for an even pace is
// base (burstWindow of the limit): the estimates need what we sent
// between two answers, answered or still in flight.
//
// It also keeps our own debt: what our sends, paced at perSec, have not
// yet paid back. A request larger than base (an embeddings request of
// many rows, several seconds of the limit) leaves the server's bucket
// short by its size, and the next request, smaller or due sooner, finds
// that deficit still there: it is ours, paid back at our pace, not
// others' use nor a sign that we send too fast. The part of the debt
// beyond base (at most the bucket's burst less this request, what our
// bucket itself allows) is noted as the send's lump and taken off the
// deficit its answer reports. A sustained pace above the server's refill
// builds no debt at our own pace, so it is never hidden; and requests no
// larger than base have no lump, so paced chat requests are read as
// before.
func (c *share) sent(at time.Time, own, perSec, burst, base float64) {
	if n := len(c.sends); n > 0 && perSec > 0 {
		prev := c.sends[n-1]
		c.debt = math.Max(0, c.debt+prev.own-perSec*at.Sub(prev.sent).Seconds())
	} else {
		c.debt = 0
	}
	c.base = base
	lump := math.Max(0, math.Min(c.debt, burst-own)-base)
	c.sends = append(c.sends, sample{sent: at, own: own, lump: lump})
	cut := 0
	for cut < len(c.sends)-sendsKept && at.Sub(c.sends[cut].sent) > sendWindow {
		cut++
	}
	if cut > 0 {
		c.sends = append(c.sends[:0], c.sends[cut:]...)
	}
}

// lumpOf returns the lump noted for our send at sent of own tokens (0 if
// it is no longer kept, or was never noted).
func (c *share) lumpOf(sent time.Time, own float64) float64 {
	for i := len(c.sends) - 1; i >= 0; i-- {
		x := c.sends[i]
		if x.sent.Equal(sent) && x.own == own {
			return x.lump
		}
		if x.sent.Before(sent.Add(-time.Second)) {
			break // sends are in time order to within the lock's jitter
		}
	}
	return 0
}

// sentShare is what we sent in the window before now, as a share of the
// limit per minute.
func (c *share) sentShare(now time.Time, limit float64) float64 {
	from := now.Add(-sendWindow)
	n := len(c.sends)
	switch {
	case n > sendsMin && c.sends[n-1-sendsMin].sent.Before(from):
		// Sparse sends: the window reaches back to hold sendsMin of
		// them, from the send before (whose tokens went out before it).
		from = c.sends[n-1-sendsMin].sent
	case n > 0 && c.sends[0].sent.After(from):
		// The first window after a start is shorter; the first send
		// counts, or a lone request would read as nothing sent.
		from = c.sends[0].sent.Add(-time.Nanosecond)
	}
	return c.sentShareSince(from, now, limit)
}

// sentShareSince is what we sent in (from, now], as a share of the limit
// per minute.
func (c *share) sentShareSince(from, now time.Time, limit float64) float64 {
	span := max(now.Sub(from), sendWindow/6).Minutes()
	var own float64
	for _, x := range c.sends {
		if x.sent.After(from) && !x.sent.After(now) {
			own += x.own
		}
	}
	return own / limit / span
}

// steadySends reports whether our sends in (from, to] make a rate that
// may be set against the server's: at least fitMin of them, none more
// than a quarter of their sum. A few requests of seconds of the limit
// each (embeddings) read as twice or half their rate as one falls just
// inside the span or just outside it; a charge ratio or others' use
// taken from that would be off by as much.
func (c *share) steadySends(from, to time.Time) bool {
	var n int
	var sum, most float64
	for _, x := range c.sends {
		if x.sent.After(from) && !x.sent.After(to) {
			n, sum, most = n+1, sum+x.own, math.Max(most, x.own)
		}
	}
	return n >= fitMin && most <= sum/4
}
