package pace

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/batchprompt/batchprompt/internal/clock"
)

// Gate sizes the number of requests in flight from the request rate the
// limits allow and the latency observed, by Little's law: in flight ≈
// rate × latency. It keeps a margin above that so the limiter always has a
// request ready, and never lets more than its maximum (--concurrency) in.
//
// Holding requests to what the rate can use keeps the limiter's queue of
// reservations short, so a lower limit learned from the server, a drained
// bucket or a rate-limit pause takes effect within about one latency rather
// than after every queued request has gone out.
//
// One slow request does not hold back the others: a permit held for longer
// than a few typical latencies (a straggler) stops counting against the
// Little's-law size, though it still counts against the maximum.
//
// The zero value is not usable; call NewGate. A Gate is safe for concurrent
// use.
type Gate struct {
	mu     sync.Mutex
	max    int
	clk    clock.Clock
	active map[*Permit]struct{}
	wake   chan struct{} // closed and replaced when a slot may have opened

	rate         float64       // requests per second; 0 = unknown
	srtt, rttvar time.Duration // smoothed latency and its mean deviation
	samples      int
}

// Permit is one request's place in a Gate.
type Permit struct {
	g     *Gate
	start time.Time
	once  sync.Once

	// Set by Pacer.Admit: when the request was let go and our count of
	// its token charge, for the limiter to match the answer's headers.
	sent   time.Time
	tokens int64
}

// Gate sizing constants: the Little's-law size is multiplied by gateMargin
// and gateSlack permits are added, so that latency noise and the limiter's
// own queue never starve the rate. A permit older than
// gateStragglerFactor × (srtt + 4 × rttvar), and at least gateStragglerMin,
// is a straggler.
const (
	gateMargin          = 1.5
	gateSlack           = 4
	gateStragglerFactor = 3
	gateStragglerMin    = time.Second
)

// NewGate returns a gate letting at most limit requests in at once (at
// least 1). Until Observe has given it a rate and a latency, it lets them all in.
// clk may be nil for the real clock.
func NewGate(limit int, clk clock.Clock) *Gate {
	return &Gate{max: max(limit, 1), clk: clock.Or(clk), active: map[*Permit]struct{}{}, wake: make(chan struct{})}
}

// Acquire blocks until a request may be in flight, or ctx ends. Call the
// permit's Release when the request has its answer (or failed), before any
// backoff sleep, so that sleeping rows hold no slot.
func (g *Gate) Acquire(ctx context.Context) (*Permit, error) {
	for {
		g.mu.Lock()
		p, wait := g.tryLocked()
		wake := g.wake
		g.mu.Unlock()
		if p != nil {
			return p, nil
		}
		if wait <= 0 {
			wait = -1 // only a Release or Observe can open a slot
		}
		if err := clock.Wait(ctx, g.clk, wake, wait); err != nil {
			return nil, err
		}
	}
}

// Release gives the permit's slot back. Calling it more than once is safe.
func (p *Permit) Release() {
	p.once.Do(func() {
		g := p.g
		g.mu.Lock()
		delete(g.active, p)
		g.notifyLocked()
		g.mu.Unlock()
	})
}

// Observe feeds one request's latency (send to answer) and the request
// rate the limits now allow (requests per second, Limiter.RequestRate;
// +Inf or 0 when unknown). Failed requests' latencies count too: they hold
// a slot just the same.
func (g *Gate) Observe(latency time.Duration, rate float64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if rate > 0 && !math.IsInf(rate, 0) && !math.IsNaN(rate) {
		g.rate = rate
	}
	if latency > 0 {
		// TCP's round-trip estimator (RFC 6298): smooth the mean and the
		// deviation, so one slow answer moves the size only a little.
		if g.samples == 0 {
			g.srtt, g.rttvar = latency, latency/2
		} else {
			// A straggler's latency is an outlier, not the typical one:
			// counted whole, one hung request would inflate the size for
			// many samples. Clipped, a real slow-down still shows within a
			// few answers, as the threshold rises with them.
			latency = min(latency, g.stragglerAfterLocked())
			dev := g.srtt - latency
			if dev < 0 {
				dev = -dev
			}
			g.rttvar += (dev - g.rttvar) / 4
			g.srtt += (latency - g.srtt) / 8
		}
		g.samples++
	}
	g.notifyLocked()
}

func (g *Gate) limitLocked() int {
	if g.rate <= 0 || g.samples == 0 {
		return g.max
	}
	est := (g.srtt + 2*g.rttvar).Seconds()
	n := math.Ceil(g.rate*est*gateMargin) + gateSlack
	if n >= float64(g.max) {
		return g.max
	}
	return int(n)
}

// stragglerAfterLocked is the age after which a permit is a straggler.
func (g *Gate) stragglerAfterLocked() time.Duration {
	if g.samples == 0 {
		return 0 // unknown latency: nobody is a straggler
	}
	return max(gateStragglerMin, gateStragglerFactor*(g.srtt+4*g.rttvar))
}

// tryLocked grants a permit if there is room. Otherwise it returns how long
// until the oldest permit becomes a straggler (0: no such moment).
func (g *Gate) tryLocked() (*Permit, time.Duration) {
	if len(g.active) >= g.max {
		return nil, 0
	}
	now := g.clk.Now()
	after := g.stragglerAfterLocked()
	busy := len(g.active)
	var next time.Duration
	if after > 0 {
		busy = 0
		for p := range g.active {
			age := now.Sub(p.start)
			if age < after {
				busy++
				if left := after - age; next == 0 || left < next {
					next = left
				}
			}
		}
	}
	if busy >= g.limitLocked() {
		return nil, next
	}
	p := &Permit{g: g, start: now}
	g.active[p] = struct{}{}
	return p, 0
}

func (g *Gate) notifyLocked() {
	close(g.wake)
	g.wake = make(chan struct{})
}
