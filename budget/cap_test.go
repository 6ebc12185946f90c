package budget

import (
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

func TestCapSequence(t *testing.T) {
	type step struct {
		op      string // "reserve", "settle", "release"
		idx     int    // reservation index for settle/release
		usd     float64
		wantErr bool
	}
	tests := []struct {
		name                  string
		limit, already        float64
		steps                 []step
		spent, reserved, left float64
	}{
		{"reserve then settle lower", 1, 0, []step{
			{op: "reserve", usd: 0.4},
			{op: "settle", idx: 0, usd: 0.1},
		}, 0.1, 0, 0.9},
		{"exactly at limit fits", 1, 0, []step{
			{op: "reserve", usd: 0.6},
			{op: "reserve", usd: 0.4},
			{op: "reserve", usd: 0.000000001, wantErr: true},
		}, 0, 1, 0},
		{"reservations block until released", 1, 0.5, []step{
			{op: "reserve", usd: 0.3},
			{op: "reserve", usd: 0.3, wantErr: true},
			{op: "release", idx: 0},
			{op: "reserve", usd: 0.3},
		}, 0.5, 0.3, 0.2},
		{"settle and release are idempotent", 1, 0, []step{
			{op: "reserve", usd: 0.5},
			{op: "settle", idx: 0, usd: 0.2},
			{op: "settle", idx: 0, usd: 0.2},
			{op: "release", idx: 0},
		}, 0.2, 0, 0.8},
		{"release then settle is a no-op", 1, 0, []step{
			{op: "reserve", usd: 0.5},
			{op: "release", idx: 0},
			{op: "settle", idx: 0, usd: 0.2},
		}, 0, 0, 1},
		{"overrun is recorded", 1, 0, []step{
			{op: "reserve", usd: 0.5},
			{op: "settle", idx: 0, usd: 1.5},
			{op: "reserve", usd: 0, wantErr: true},
		}, 1.5, 0, 0},
		{"already over limit", 1, 2, []step{
			{op: "reserve", usd: 0.01, wantErr: true},
		}, 2, 0, 0},
		{"float noise does not leak", 0.0009, 0, []step{
			{op: "reserve", usd: 0.00045},
			{op: "reserve", usd: 0.00045},
			{op: "settle", idx: 0, usd: 0.00045},
			{op: "settle", idx: 1, usd: 0.00045},
		}, 0.0009, 0, 0},
		{"NaN refused", 1, 0, []step{{op: "reserve", usd: math.NaN(), wantErr: true}}, 0, 0, 1},
		{"negative held as zero", 1, 0, []step{{op: "reserve", usd: -3}, {op: "settle", idx: 0, usd: -1}}, 0, 0, 1},
		{"zero limit allows free requests", 0, 0, []step{{op: "reserve", usd: 0}, {op: "reserve", usd: 1e-9, wantErr: true}}, 0, 0, 0},
		{"unlimited", math.Inf(1), 0, []step{{op: "reserve", usd: 1e12}, {op: "settle", idx: 0, usd: 5}}, 5, 0, math.Inf(1)},
		{"huge request does not overflow", 1, 0, []step{{op: "reserve", usd: 1e300, wantErr: true}}, 0, 0, 1},
		{"huge settlement saturates", 1, 0, []step{{op: "reserve", usd: 1}, {op: "settle", idx: 0, usd: 1e300}, {op: "reserve", usd: 0, wantErr: true}}, math.Inf(1), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCap(tt.limit, tt.already)
			var rs []*Reservation
			for i, s := range tt.steps {
				switch s.op {
				case "reserve":
					r, err := c.Reserve(s.usd)
					if s.wantErr {
						if !errors.Is(err, ErrCapReached) || r != nil {
							t.Fatalf("step %d: got %v, %v; want ErrCapReached", i, r, err)
						}
						continue
					}
					if err != nil {
						t.Fatalf("step %d: %v", i, err)
					}
					rs = append(rs, r)
				case "settle":
					rs[s.idx].Settle(s.usd)
				case "release":
					rs[s.idx].Release()
				}
			}
			if got := c.Spent(); !approx(got, tt.spent) && got != tt.spent {
				t.Errorf("Spent = %.12g, want %.12g", got, tt.spent)
			}
			if got := c.Reserved(); !approx(got, tt.reserved) {
				t.Errorf("Reserved = %.12g, want %.12g", got, tt.reserved)
			}
			// What is left: a reservation of it fits, one of a cent more does not.
			if tt.left > 0 {
				r, err := c.Reserve(tt.left)
				if err != nil {
					t.Errorf("Reserve(%.12g), all that is left: %v", tt.left, err)
				}
				r.Release()
			}
			if !math.IsInf(tt.left, 1) {
				if _, err := c.Reserve(tt.left + 0.01); !errors.Is(err, ErrCapReached) {
					t.Errorf("Reserve(%.12g), a cent more than is left: %v, want ErrCapReached", tt.left+0.01, err)
				}
			}
		})
	}
}

func TestNilReservation(t *testing.T) {
	var r *Reservation
	r.Settle(1)
	r.Release() // neither panics
}

// TestCapConcurrent hammers one cap from many goroutines with random
// worst cases and random actual costs at most the worst case; spent must
// never pass the limit and the books must balance at the end. Run with
// -race.
func TestCapConcurrent(t *testing.T) {
	const (
		limit   = 5.0
		workers = 32
		perG    = 500
	)
	c := NewCap(limit, 0)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		settled float64
		refused int
	)
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 42))
			var mySettled float64
			myRefused := 0
			for range perG {
				worst := rng.Float64() * 0.01
				r, err := c.Reserve(worst)
				if err != nil {
					if !errors.Is(err, ErrCapReached) {
						t.Errorf("unexpected error: %v", err)
					}
					myRefused++
					continue
				}
				if rng.IntN(5) == 0 {
					r.Release()
				} else {
					actual := worst * rng.Float64()
					r.Settle(actual)
					r.Settle(actual) // idempotent
					mySettled += float64(toNanosUp(actual)) / nanosPerUSD
				}
				if s := c.Spent(); s > limit {
					t.Errorf("spent %.9f passed the limit %.2f", s, limit)
				}
			}
			mu.Lock()
			settled += mySettled
			refused += myRefused
			mu.Unlock()
		}()
	}
	wg.Wait()
	if c.Reserved() != 0 {
		t.Errorf("reserved %.12g left after all settled", c.Reserved())
	}
	if got := c.Spent(); got > limit || math.Abs(got-settled) > 1e-6 {
		t.Errorf("spent %.9f, want %.9f (≤ %.2f)", got, settled, limit)
	}
	if refused == 0 {
		t.Errorf("the cap never refused: the test does not exercise it")
	}
}

// Settle says when a server billed more than the reservation allowed, so
// the caller can stop; Keep books the worst case for an unknown cost; Left
// is what later requests may still reserve (issue 13, items 4 and 13).
func TestCapOverSettlementAndUnknownCost(t *testing.T) {
	c := NewCap(1, 0)
	a, _ := c.Reserve(0.1)
	b, _ := c.Reserve(0.2)
	if got := c.Left(); math.Abs(got-0.7) > 1e-9 {
		t.Fatalf("Left = %v with 0.3 reserved, want 0.7", got)
	}
	if a.Settle(0.05) {
		t.Fatal("a settlement under its reservation was reported over")
	}
	b.Keep()
	if got := c.Spent(); math.Abs(got-0.25) > 1e-9 {
		t.Fatalf("Spent = %v, want 0.05 + the unknown-cost worst case 0.2", got)
	}
	d, _ := c.Reserve(0.01)
	if !d.Settle(1.49) {
		t.Fatal("a settlement of 1.49 against a 0.01 reservation was not reported over")
	}
	if c.Left() != 0 || c.Spent() <= c.Limit() {
		t.Fatalf("after over-billing: left %v spent %v limit %v, want 0 left and spent past the limit", c.Left(), c.Spent(), c.Limit())
	}
}
