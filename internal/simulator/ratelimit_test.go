package simulator

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/budget"
)

func TestRPMBucket(t *testing.T) {
	clk := newFakeClock()
	// 60 RPM with a 5 s bucket: a burst of 5, then one request per second.
	s := New(Config{Sleep: noSleep, Now: clk.Now, RPM: 60})
	for i := range 5 {
		if w := post(t, s, chatPath, simpleBody("burst", "")); w.Code != 200 {
			t.Fatalf("burst request %d: status %d", i, w.Code)
		}
	}
	w := post(t, s, chatPath, simpleBody("burst", ""))
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("6th request: status %d", w.Code)
	}
	e := decodeErr(t, w)
	if deref(e.Error.Code) != "rate_limit_exceeded" || e.Error.Type != "requests" ||
		!strings.HasSuffix(e.Error.Message, "Please try again in 1s.") || !strings.Contains(e.Error.Message, "(RPM): Limit 60") {
		t.Errorf("error %+v", e.Error)
	}
	h := w.Header()
	if h.Get("Retry-After") != "1" || h.Get("retry-after-ms") != "1000" || h.Get("x-should-retry") != "true" {
		t.Errorf("retry headers %v", h)
	}
	// Refused requests consume nothing: after 0.5 s it is still 0.5 s away.
	clk.Advance(500 * time.Millisecond)
	w = post(t, s, chatPath, simpleBody("burst", ""))
	if w.Code != 429 || w.Header().Get("retry-after-ms") != "500" || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("after 0.5 s: %d %v", w.Code, w.Header())
	}
	clk.Advance(500 * time.Millisecond)
	if w := post(t, s, chatPath, simpleBody("burst", "")); w.Code != 200 {
		t.Fatalf("after 1 s: status %d", w.Code)
	}
	if st := s.Stats(); st.OK != 6 || st.RateLimited != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestTPMBucket(t *testing.T) {
	clk := newFakeClock()
	body := simpleBody("tokens", `"max_tokens":100`)
	req, _ := parseChat([]byte(body), "")
	prompt := int64(budget.NewCounter().Chat("gpt-4o-mini", req.messages))
	charge := budget.TPMCharge(prompt, 100)
	tpm := charge * 12 * 3 // bucket (5 s = 1/12 min) holds three requests
	s := New(Config{Sleep: noSleep, Now: clk.Now, TPM: tpm, TPMCharge: TPMChargeTiktoken})
	for i := range 3 {
		w := post(t, s, chatPath, body)
		if w.Code != 200 {
			t.Fatalf("request %d: status %d", i, w.Code)
		}
		// Remaining is the per-minute limit less the bucket's deficit.
		if got, want := w.Header().Get("x-ratelimit-remaining-tokens"), strconv.FormatInt(tpm-int64(i+1)*charge, 10); got != want {
			t.Errorf("request %d: remaining-tokens %s, want %s", i, got, want)
		}
	}
	w := post(t, s, chatPath, body)
	if w.Code != 429 {
		t.Fatalf("4th: status %d", w.Code)
	}
	wait := time.Duration(float64(charge) / (float64(tpm) / 60) * float64(time.Second))
	wantMs := int64(ceilDur(wait, time.Millisecond) / time.Millisecond)
	if got := w.Header().Get("retry-after-ms"); got != strconv.FormatInt(wantMs, 10) {
		t.Errorf("retry-after-ms %s, want %d", got, wantMs)
	}
	e := decodeErr(t, w)
	if e.Error.Type != "tokens" || !strings.Contains(e.Error.Message, "(TPM)") || !strings.Contains(e.Error.Message, "Please try again in ") {
		t.Errorf("error %+v", e.Error)
	}
	if h := w.Header(); h.Get("x-ratelimit-limit-tokens") != strconv.FormatInt(tpm, 10) || h.Get("x-ratelimit-limit-requests") != "" {
		t.Errorf("headers %v", h)
	}
	clk.Advance(wait)
	if w := post(t, s, chatPath, body); w.Code != 200 {
		t.Fatalf("after the wait: status %d", w.Code)
	}
}

func TestOversizeRequests(t *testing.T) {
	clk := newFakeClock()
	// Capacity 5 s × 12000/60 = 1000 tokens, but a 16384-token default cap is charged.
	s := New(Config{Sleep: noSleep, Now: clk.Now, TPM: 12000, TPMCharge: TPMChargeTiktoken})
	w := post(t, s, chatPath, simpleBody("big", ""))
	if w.Code != 429 || w.Header().Get("Retry-After") != "" || w.Header().Get("x-should-retry") != "false" {
		t.Fatalf("over the per-minute limit: %d %v", w.Code, w.Header())
	}
	if e := decodeErr(t, w); !strings.Contains(e.Error.Message, "Request too large") {
		t.Errorf("message %q", e.Error.Message)
	}
	// Bigger than the bucket but within the minute: admitted when full, leaving debt.
	body := simpleBody("big", `"max_tokens":5000`)
	if w := post(t, s, chatPath, body); w.Code != 200 {
		t.Fatalf("first big request: %d %s", w.Code, w.Body)
	}
	w = post(t, s, chatPath, body)
	if w.Code != 429 {
		t.Fatalf("second big request: %d", w.Code)
	}
	req, _ := parseChat([]byte(body), "")
	charge := budget.TPMCharge(int64(budget.NewCounter().Chat("gpt-4o-mini", req.messages)), 5000)
	if got, want := w.Header().Get("x-ratelimit-remaining-tokens"), strconv.FormatInt(12000-charge, 10); got != want {
		t.Errorf("remaining-tokens %s, want %s", got, want)
	}
	clk.Advance(time.Minute)
	if w := post(t, s, chatPath, body); w.Code != 200 {
		t.Fatalf("after a minute: %d", w.Code)
	}
}

func TestRateHeadersOnEveryResponse(t *testing.T) {
	clk := newFakeClock()
	s := New(Config{Sleep: noSleep, Now: clk.Now, RPM: 600, TPM: 1_000_000, APIKey: "k",
		Faults: Faults{Err500: 1}})
	names := []string{"x-ratelimit-limit-requests", "x-ratelimit-limit-tokens", "x-ratelimit-remaining-requests",
		"x-ratelimit-remaining-tokens", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"}
	cases := []struct {
		name string
		body string
		hdr  []string
		code int
	}{
		{"500", simpleBody("a", ""), []string{"api-key", "k"}, 500},
		{"400", `{"model":"x"}`, []string{"api-key", "k"}, 400},
		{"401", simpleBody("a", ""), nil, 401},
	}
	for _, c := range cases {
		w := post(t, s, chatPath, c.body, c.hdr...)
		if w.Code != c.code {
			t.Fatalf("%s: status %d", c.name, w.Code)
		}
		for _, n := range names {
			if w.Header().Get(n) == "" {
				t.Errorf("%s: header %s missing", c.name, n)
			}
		}
		for _, n := range names[4:] {
			if _, err := time.ParseDuration(w.Header().Get(n)); err != nil {
				t.Errorf("%s: %s: %v", c.name, n, err)
			}
		}
	}
	w := post(t, s, chatPath, simpleBody("a", ""), "api-key", "k")
	if got := w.Header().Get("x-ratelimit-reset-requests"); got != "200ms" { // two charged requests at 10/s
		t.Errorf("reset-requests %q", got)
	}
}

func TestFmtWait(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"}, {-time.Second, "0s"}, {1982 * time.Millisecond, "1.982s"}, {20 * time.Millisecond, "20ms"},
		{time.Microsecond, "1ms"}, {6 * time.Minute, "6m0s"}, {2*time.Minute + 59560*time.Millisecond, "2m59.56s"},
	}
	for _, tt := range tests {
		if got := fmtWait(tt.d); got != tt.want {
			t.Errorf("fmtWait(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
