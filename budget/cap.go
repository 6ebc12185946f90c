package budget

import (
	"errors"
	"fmt"
	"math"
	"sync"
)

// ErrCapReached reports that a request's worst-case cost does not fit under
// the spending cap. Test for it with errors.Is.
var ErrCapReached = errors.New("spending cap reached")

// nanoUSD is the Cap's unit. Integer arithmetic keeps the running totals
// exact whatever order concurrent settlements arrive in, so reserving and
// releasing the same amounts always returns to exactly zero.
type nanoUSD = int64

const nanosPerUSD = 1e9

// unlimited stands in for a limit too large to represent (e.g. +Inf).
const unlimited nanoUSD = math.MaxInt64

// toNanosUp converts a cost to nano-USD, rounding up so that the cap errs
// on the side of caution, but snapping values within float noise of a
// whole nano (0.00045·1e9 = 450000.00000000006) to it. Negative and NaN
// costs count as zero; huge ones saturate.
func toNanosUp(usd float64) nanoUSD {
	if !(usd > 0) {
		return 0
	}
	n := usd * nanosPerUSD
	if n >= float64(unlimited) {
		return unlimited
	}
	if r := math.Round(n); math.Abs(n-r) < 1e-6 {
		return nanoUSD(r)
	}
	return nanoUSD(math.Ceil(n))
}

// Cap is a hard spending limit shared by concurrent workers. Each request
// first reserves its worst-case cost ([Cap.Reserve]); once the response
// arrives the reservation is settled with the billed cost, or released if
// nothing was billed. Because reservations count against the limit until
// settled, the cap holds however many requests are in flight: Spent never
// exceeds the limit as long as each settled cost is at most its
// reservation, which [Price.WorstCase] guarantees for a correct prompt
// count. Amounts are tracked in whole nano-dollars, rounded up.
//
// All methods are safe for concurrent use and cost one uncontended mutex
// acquisition.
type Cap struct {
	mu       sync.Mutex
	limit    nanoUSD
	spent    nanoUSD
	reserved nanoUSD
}

// NewCap returns a cap of limitUSD of which alreadySpentUSD is already
// spent (e.g. by an earlier run of a resumed job). A limit of +Inf means no
// limit; a limit of 0 or below admits only zero-cost requests.
func NewCap(limitUSD, alreadySpentUSD float64) *Cap {
	limit := toNanosUp(limitUSD)
	if math.IsNaN(limitUSD) {
		limit = 0
	}
	return &Cap{limit: limit, spent: toNanosUp(alreadySpentUSD)}
}

// Reservation is one request's hold on the cap. Exactly one of Settle and
// Release takes effect; later calls to either are no-ops. Safe for
// concurrent use.
type Reservation struct {
	cap    *Cap
	amount nanoUSD
	done   bool // guarded by cap.mu
}

// Reserve holds worstCaseUSD against the cap. It returns an error wrapping
// [ErrCapReached], naming the amounts, if spent + reserved + worstCaseUSD
// would exceed the limit; nothing is held then. A NaN cost is refused
// (wrapping ErrCapReached) because it cannot be bounded; a negative cost
// is held as zero.
func (c *Cap) Reserve(worstCaseUSD float64) (*Reservation, error) {
	if math.IsNaN(worstCaseUSD) {
		return nil, fmt.Errorf("%w: worst-case cost is NaN", ErrCapReached)
	}
	amount := toNanosUp(worstCaseUSD)
	c.mu.Lock()
	defer c.mu.Unlock()
	// Compare by subtraction, checking each step, so that huge amounts
	// cannot overflow.
	if free := c.limit - c.spent; c.limit != unlimited && (free < 0 || amount > free-c.reserved) {
		return nil, fmt.Errorf("%w: spent $%.6f + reserved $%.6f + this request up to $%.6f > limit $%.6f",
			ErrCapReached, usd(c.spent), usd(c.reserved), worstCaseUSD, usd(c.limit))
	}
	c.reserved += amount
	return &Reservation{cap: c, amount: amount}, nil
}

// Settle replaces the reservation by actualUSD, the cost actually billed,
// and reports whether that cost was over the reservation. A cost above the
// reservation is still recorded in full (the money is gone), which is the
// one way Spent can pass the limit: a server billing more than the
// request allowed. The caller should stop sending when over is true.
// Negative costs count as zero.
func (r *Reservation) Settle(actualUSD float64) (over bool) {
	if r == nil {
		return false
	}
	actual := toNanosUp(actualUSD)
	c := r.cap
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.done {
		return false
	}
	r.done = true
	c.reserved -= r.amount
	if actual > unlimited-c.spent {
		c.spent = unlimited
	} else {
		c.spent += actual
	}
	return actual > r.amount
}

// Keep settles the reservation at its full amount, for a request that was
// answered but whose cost is unknown (the answer reported no usage): the
// worst case is what it may have cost.
func (r *Reservation) Keep() {
	if r == nil {
		return
	}
	c := r.cap
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.done {
		return
	}
	r.done = true
	c.reserved -= r.amount
	c.spent += r.amount
}

// Release returns the reservation unspent, for a request that was never
// sent or failed without being billed.
func (r *Reservation) Release() {
	if r == nil {
		return
	}
	c := r.cap
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.done {
		return
	}
	r.done = true
	c.reserved -= r.amount
}

// Spent returns the USD settled so far, including alreadySpentUSD.
func (c *Cap) Spent() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return usd(c.spent)
}

// Reserved returns the USD held by outstanding reservations.
func (c *Cap) Reserved() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return usd(c.reserved)
}

// Left returns the USD neither spent nor reserved: what later requests
// may still reserve. It is 0, never negative, once Spent has passed the
// limit.
func (c *Cap) Left() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.limit == unlimited {
		return math.Inf(1)
	}
	return usd(max(0, c.limit-c.spent-c.reserved))
}

// Limit returns the cap's limit in USD (+Inf when unlimited).
func (c *Cap) Limit() float64 { return usd(c.limit) }

func usd(n nanoUSD) float64 {
	if n == unlimited {
		return math.Inf(1)
	}
	return float64(n) / nanosPerUSD
}
