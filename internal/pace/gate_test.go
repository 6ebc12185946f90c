package pace

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

// grant takes permits until the gate refuses one, and returns how many it
// granted and the wait it gave with the refusal.
func grant(g *Gate, upTo int) (int, time.Duration) {
	for i := range upTo {
		g.mu.Lock()
		p, wait := g.tryLocked()
		g.mu.Unlock()
		if p == nil {
			return i, wait
		}
	}
	return upTo, 0
}

func TestGateSizesFromLittlesLaw(t *testing.T) {
	tests := []struct {
		name    string
		max     int
		latency time.Duration
		rate    float64
		want    int
	}{
		{"unknown: the maximum", 256, 0, 0, 256},
		{"rate unknown", 256, time.Second, math.Inf(1), 256},
		// srtt 1 s, rttvar 0.5 s: est 2 s; 10/s × 2 s × 1.5 + 4 = 34.
		{"10/s at 1 s", 256, time.Second, 10, 34},
		{"never above the maximum", 20, time.Second, 10, 20},
		{"fast and slow: at least the slack", 256, time.Millisecond, 1, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := NewGate(tc.max, newFakeClock())
			if tc.latency > 0 {
				g.Observe(tc.latency, tc.rate)
			}
			if got := limitOf(g); got != tc.want {
				t.Fatalf("Limit = %d, want %d", got, tc.want)
			}
			if n, _ := grant(g, tc.want+10); n != tc.want {
				t.Fatalf("granted %d permits, want %d", n, tc.want)
			}
		})
	}
}

func TestGateSmoothsLatency(t *testing.T) {
	g := NewGate(1000, newFakeClock())
	for range 50 {
		g.Observe(time.Second, 10)
	}
	before := limitOf(g)
	g.Observe(60*time.Second, 10) // one hung request
	after := limitOf(g)
	if after <= before || after > 4*before {
		t.Fatalf("limit %d -> %d after one slow answer: want a bounded rise", before, after)
	}
}

func TestGateStragglersDoNotHoldOthersBack(t *testing.T) {
	clk := newFakeClock()
	g := NewGate(7, clk)
	g.Observe(100*time.Millisecond, 1) // est 0.2 s: limit ceil(0.3)+4 = 5
	n, wait := grant(g, 10)
	if n != 5 {
		t.Fatalf("granted %d, want 5", n)
	}
	if wait != gateStragglerMin {
		t.Fatalf("wait = %v, want %v until the oldest is a straggler", wait, gateStragglerMin)
	}
	clk.Advance(gateStragglerMin)
	// All five are stragglers now: they no longer count against the
	// Little's-law size, but still against the maximum of 7.
	if n, _ := grant(g, 10); n != 2 {
		t.Fatalf("granted %d more after the others straggled, want 2 (the maximum)", n)
	}
}

func TestGateReleaseAndAcquire(t *testing.T) {
	g := NewGate(1, newFakeClock())
	p, err := g.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.Acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire on a full gate = %v, want context.Canceled", err)
	}
	got := make(chan error, 1)
	go func() {
		q, err := g.Acquire(context.Background())
		if err == nil {
			q.Release()
		}
		got <- err
	}()
	p.Release()
	p.Release() // twice is harmless
	if err := <-got; err != nil {
		t.Fatalf("Acquire after Release = %v", err)
	}
	if n := inFlight(g); n != 0 {
		t.Fatalf("InFlight = %d after every permit was released, want 0", n)
	}
}

// limitOf returns how many requests g currently lets in flight,
// stragglers not counted.
func limitOf(g *Gate) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.limitLocked()
}

// inFlight returns the number of permits held.
func inFlight(g *Gate) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.active)
}
