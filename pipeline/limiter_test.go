package pipeline

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

// fakeClock is a settable clock for limiter tests.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func TestLimiterPacesRequestsEvenlyFromEmpty(t *testing.T) {
	clk := newFakeClock()
	l := NewLimiter(Limits{RPM: 600}, 0, clk.now) // 10 per second
	var delays []time.Duration
	for range 5 {
		d, _, err := l.reserve(1)
		if err != nil {
			t.Fatal(err)
		}
		delays = append(delays, d)
	}
	// No start-up burst: the first request already waits one interval.
	want := []time.Duration{100, 200, 300, 400, 500}
	for i, d := range delays {
		if d != want[i]*time.Millisecond {
			t.Fatalf("delays = %v, want %v ms", delays, want)
		}
	}
}

func TestLimiterReservesBothAtOnce(t *testing.T) {
	clk := newFakeClock()
	l := NewLimiter(Limits{RPM: 6000, TPM: 60000}, 0, clk.now) // 100 req/s, 1000 tok/s
	d, _, err := l.reserve(2000)
	if err != nil {
		t.Fatal(err)
	}
	if d != 2*time.Second {
		t.Fatalf("delay = %v, want 2s (tokens bind)", d)
	}
	// Giving up hands the reservation back, so the next request does not
	// pay for the abandoned one.
	clk.advance(0)
	l2 := NewLimiter(Limits{RPM: 60}, 0, clk.now)
	d1, cancel, _ := l2.reserve(1)
	cancel()
	d2, _, _ := l2.reserve(1)
	if d1 != time.Second || d2 != time.Second {
		t.Fatalf("after cancel: delays %v then %v, want 1s then 1s", d1, d2)
	}
}

func TestLimiterRefusesRequestLargerThanTPM(t *testing.T) {
	l := NewLimiter(Limits{TPM: 1000}, 0, newFakeClock().now)
	_, _, err := l.reserve(1001)
	var tl *ErrTooLarge
	if !errors.As(err, &tl) || tl.Tokens != 1001 || tl.TPM != 1000 {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func TestLimiterLearnsFromHeaders(t *testing.T) {
	clk := newFakeClock()
	l := NewLimiter(Limits{TPM: 5000}, 0.02, clk.now)
	if got := l.Limits(); got.RPM != 0 {
		t.Fatalf("RPM = %v before any response, want 0 (unknown)", got.RPM)
	}
	h := http.Header{}
	h.Set("x-ratelimit-limit-requests", "600")
	h.Set("x-ratelimit-limit-tokens", "100000")
	l.Observe(h)
	got := l.Limits()
	if got.RPM != 588 || got.TPM != 5000 {
		t.Fatalf("limits = %+v, want RPM 588 learned less 2%% headroom and TPM 5000 kept from the flag", got)
	}
}
