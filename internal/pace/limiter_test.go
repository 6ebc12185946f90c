package pace

import (
	"context"
	"errors"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/internal/clock"
)

func newFakeClock() *clock.Fake { return clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) }

func TestLimiterPacesRequestsEvenlyFromEmpty(t *testing.T) {
	clk := newFakeClock()
	l := NewLimiter(Limits{RPM: 600}, 0, clk) // 10 per second
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
	l := NewLimiter(Limits{RPM: 6000, TPM: 60000}, 0, clk) // 100 req/s, 1000 tok/s
	d, _, err := l.reserve(2000)
	if err != nil {
		t.Fatal(err)
	}
	if d != 2*time.Second {
		t.Fatalf("delay = %v, want 2s (tokens bind)", d)
	}
	// Giving up hands the reservation back, so the next request does not
	// pay for the abandoned one.
	clk.Advance(0)
	l2 := NewLimiter(Limits{RPM: 60}, 0, clk)
	d1, cancel, _ := l2.reserve(1)
	cancel()
	d2, _, _ := l2.reserve(1)
	if d1 != time.Second || d2 != time.Second {
		t.Fatalf("after cancel: delays %v then %v, want 1s then 1s", d1, d2)
	}
}

func TestLimiterRefusesRequestLargerThanTPM(t *testing.T) {
	l := NewLimiter(Limits{TPM: 1000}, 0, newFakeClock())
	_, _, err := l.reserve(1001)
	var tl *ErrTooLarge
	if !errors.As(err, &tl) || tl.Tokens != 1001 || tl.TPM != 1000 {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func TestLimiterLearnsFromHeaders(t *testing.T) {
	clk := newFakeClock()
	l := NewLimiter(Limits{TPM: 5000}, 0.02, clk)
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

// rlHeaders builds x-ratelimit headers from name/value pairs, with the
// "x-ratelimit-" prefix left out.
func rlHeaders(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set("x-ratelimit-"+kv[i], kv[i+1])
	}
	return h
}

// delays reserves n requests of tokens each at the current instant.
func delays(t *testing.T, l *Limiter, n int, tokens int64) []time.Duration {
	t.Helper()
	var out []time.Duration
	for range n {
		d, _, err := l.reserve(tokens)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

func ms(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x) * time.Millisecond
	}
	return out
}

// thirds returns multiples of a third of a second: the delays of 10
// requests a second paced at shareStart.
func thirds(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(float64(x) / (10 * shareStart) * float64(time.Second))
	}
	return out
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLimiterProbesOneRequestWhileLearning(t *testing.T) {
	clk := newFakeClock()
	l := NewLimiter(Limits{}, 0, clk)
	if _, _, h, err := l.admit(1); err != nil || h != nil {
		t.Fatalf("first request: hold=%v err=%v, want it through as the probe", h, err)
	}
	_, _, h, _ := l.admit(1)
	if h == nil {
		t.Fatal("second request went through while the probe is out")
	}
	// Wait, too, holds: with a cancelled context it returns the context's error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Wait(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait during the probe = %v, want context.Canceled", err)
	}
	l.Observe(rlHeaders("limit-requests", "600", "remaining-requests", "599"))
	select {
	case <-h.changed:
	default:
		t.Fatal("holders were not woken by the first answer")
	}
	// Learned 600 RPM; the bucket is seeded full (a quarter second: 3
	// requests) from remaining; then one every 100 ms.
	got := delays(t, l, 5, 1)
	want := ms(0, 0, 0, 100, 200)
	if !equalDurations(got, want) {
		t.Fatalf("delays after learning = %v, want %v", got, want)
	}
}

func TestLimiterProbeEnds(t *testing.T) {
	tests := []struct {
		name     string
		end      func(l *Limiter, clk *clock.Fake)
		learning bool // still one at a time afterwards
	}{
		{"no answer lets the next probe go", func(l *Limiter, _ *clock.Fake) { l.Observe(nil) }, true},
		{"probe timeout lets the next probe go", func(_ *Limiter, clk *clock.Fake) { clk.Advance(probeTimeout) }, true},
		{"one answer without limit headers", func(l *Limiter, _ *clock.Fake) { l.Observe(http.Header{}) }, true},
		{"answers without limit headers end learning", func(l *Limiter, _ *clock.Fake) {
			for range headerlessProbes {
				l.Observe(http.Header{"Content-Type": {"application/json"}})
			}
		}, false},
		{"limit headers end learning", func(l *Limiter, _ *clock.Fake) {
			l.Observe(rlHeaders("limit-tokens", "60000", "remaining-tokens", "60000"))
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock()
			l := NewLimiter(Limits{}, 0, clk)
			if _, _, h, _ := l.admit(1); h != nil {
				t.Fatal("probe held")
			}
			tc.end(l, clk)
			if _, _, h, _ := l.admit(1); h != nil {
				t.Fatal("next request held after the probe ended")
			}
			_, _, h, _ := l.admit(1)
			if (h != nil) != tc.learning {
				t.Fatalf("third request held=%v, want %v", h != nil, tc.learning)
			}
		})
	}
}

// A probe whose turn is more than lookAhead away (a given --tpm's bucket
// starts empty; the RPM is still being learned) is handed back, not left
// out: kept, it held every caller, itself too, until probeTimeout, ten
// seconds lost at the start of every such run.
func TestLimiterProbeWaitingForItsTurnHoldsNobody(t *testing.T) {
	clk := newFakeClock()
	l := NewLimiter(Limits{TPM: 60000}, 0, clk) // 1000 tokens a second, from empty
	start := clk.Now()
	for range 10 {
		delay, _, h, err := l.admit(2000)
		if err != nil {
			t.Fatal(err)
		}
		if h == nil {
			if sent := clk.Now().Add(delay).Sub(start); sent > 2*time.Second {
				t.Fatalf("probe sent %v after the start, want at its turn (2s)", sent)
			}
			return
		}
		if h.changed != nil {
			t.Fatalf("the probe's own caller held for the probe after %v", clk.Now().Sub(start))
		}
		clk.Advance(h.timeout)
	}
	t.Fatal("probe never let through")
}

func TestLimiterFixedLimitsNeedNoProbe(t *testing.T) {
	l := NewLimiter(Limits{RPM: 60000, TPM: 1e9}, 0, newFakeClock())
	for range 3 {
		if _, _, h, _ := l.admit(1); h != nil {
			t.Fatal("held although both limits are given")
		}
	}
}

func TestLimiterSeedsFromRemaining(t *testing.T) {
	tests := []struct {
		name   string
		h      http.Header
		tokens int64
		want   []time.Duration
	}{
		// A first answer saying the key is nearly spent means others use
		// it: the limiter starts at shareStart (30 %) of the rate.
		{"requests: only 3 remain", rlHeaders("limit-requests", "600", "remaining-requests", "3"), 1, thirds(0, 0, 0, 1, 2)},
		{"requests: nothing remains", rlHeaders("limit-requests", "600", "remaining-requests", "0"), 1, thirds(1, 2)},
		{"requests: no remaining header starts empty", rlHeaders("limit-requests", "600"), 1, ms(100, 200)},
		// 60,000 TPM = 1,000 tokens/s, bucket 250 tokens; 100 remain.
		{"tokens: 100 remain", rlHeaders("limit-tokens", "60000", "remaining-tokens", "100"), 100, thirds(0, 1, 2)},
		{"tokens: the bucket grows to the largest request", rlHeaders("limit-tokens", "60000", "remaining-tokens", "60000"), 500, ms(250, 750, 1250)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLimiter(Limits{}, 0, newFakeClock())
			l.Observe(tc.h)
			if got := delays(t, l, len(tc.want), tc.tokens); !equalDurations(got, tc.want) {
				t.Fatalf("delays = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLimiterDrainsToRemaining(t *testing.T) {
	tests := []struct {
		name string
		h    http.Header
		want []time.Duration
	}{
		// The bucket is full (3 requests) when the server says only 2 remain.
		{"drained to remaining", rlHeaders("remaining-requests", "2"), ms(0, 0, 100, 200)},
		{"remaining above ours changes nothing", rlHeaders("remaining-requests", "50"), ms(0, 0, 0, 100)},
		{"zero remaining empties it", rlHeaders("remaining-requests", "0"), ms(100, 200)},
		{"garbage is ignored", rlHeaders("remaining-requests", "-4"), ms(0, 0, 0, 100)},
		// The fixed limit is kept, at the share a nearly spent key allows.
		{"a fixed limit is kept", rlHeaders("limit-requests", "60", "remaining-requests", "1"), thirds(0, 1, 2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock()
			l := NewLimiter(Limits{RPM: 600, TPM: 1e9}, 0, clk)
			clk.Advance(2 * time.Second) // fill the bucket: 3 requests
			l.Observe(tc.h)
			if got := delays(t, l, len(tc.want), 1); !equalDurations(got, tc.want) {
				t.Fatalf("delays = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLimiterNeverRefillsAboveRemaining(t *testing.T) {
	clk := newFakeClock()
	l := NewLimiter(Limits{RPM: 600, TPM: 1e9}, 0, clk)
	clk.Advance(2 * time.Second)
	l.Observe(rlHeaders("remaining-requests", "1"))
	l.Observe(rlHeaders("remaining-requests", "500")) // a later, higher answer adds nothing
	if got, want := delays(t, l, 2, 1), ms(0, 100); !equalDurations(got, want) {
		t.Fatalf("delays = %v, want %v", got, want)
	}
}

func TestLimiterResetAtAndRequestRate(t *testing.T) {
	clk := newFakeClock()
	l := NewLimiter(Limits{}, 0, clk)
	if !l.ResetAt().IsZero() {
		t.Fatal("ResetAt before any answer is not zero")
	}
	if r := l.RequestRate(); r <= 1e300 {
		t.Fatalf("RequestRate with no limits = %v, want +Inf", r)
	}
	l.Observe(rlHeaders("limit-requests", "600", "limit-tokens", "60000",
		"reset-requests", "100ms", "reset-tokens", "2.5s"))
	if got, want := l.ResetAt(), clk.Now().Add(2500*time.Millisecond); !got.Equal(want) {
		t.Fatalf("ResetAt = %v, want %v", got, want)
	}
	l.reserve(200) // average charge 200 tokens: 1,000 tokens/s allows 5 requests/s
	if r := l.RequestRate(); r != 5 {
		t.Fatalf("RequestRate = %v, want 5 (tokens bind)", r)
	}
}

func TestLimiterThrottled(t *testing.T) {
	clk := newFakeClock()
	l := NewLimiter(Limits{RPM: 600, TPM: 1e9}, 0, clk)
	clk.Advance(2 * time.Second) // full bucket
	h := http.Header{}
	h.Set("Retry-After", "1")
	l.Observe(h)
	// Emptied, and the rate cut to 90 %: 9 per second.
	if got, want := delays(t, l, 2, 1), []time.Duration{time.Second / 9, 2 * time.Second / 9}; !equalDurations(got, want) {
		t.Fatalf("delays after a 429 = %v, want %v", got, want)
	}
	if r := l.RequestRate(); math.Abs(r-9) > 1e-9 {
		t.Fatalf("RequestRate after a 429 = %v, want 9", r)
	}
	// A second 429 within throttleSpacing is the same overload: no second cut.
	h2 := http.Header{}
	h2.Set("retry-after-ms", "20")
	l.Observe(h2)
	if r := l.RequestRate(); math.Abs(r-9) > 1e-9 {
		t.Fatalf("RequestRate after a second 429 = %v, want 9 still", r)
	}
	// The cut is undone linearly: 10 % at throttleRecovery per second.
	clk.Advance(time.Duration(0.1 / throttleRecovery * float64(time.Second)))
	l.reserve(1)
	if r := l.RequestRate(); r != 10 {
		t.Fatalf("RequestRate after recovery = %v, want 10", r)
	}
}

func TestLimiterLate(t *testing.T) {
	due := newFakeClock().Now()
	tests := []struct {
		woken time.Duration
		want  bool
	}{{0, false}, {lateAfter, false}, {lateAfter + time.Millisecond, true}, {3 * time.Second, true}}
	for _, tc := range tests {
		if got := late(due, due.Add(tc.woken)); got != tc.want {
			t.Errorf("late after %v = %v, want %v", tc.woken, got, tc.want)
		}
	}
}
