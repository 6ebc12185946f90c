package pace

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// at returns the instant d after the fake clock's start.
func at(d time.Duration) time.Time { return newFakeClock().Now().Add(d) }

// Against a server that charges tokens differently from our count, the
// limiter learns the ratio and uses the whole token limit, without a
// single 429: it neither throttles itself to a share of it nor pushes over.
func TestLimiterFollowsTheServersCharge(t *testing.T) {
	for _, ratio := range []float64{1.3, 0.7, 1} {
		t.Run(fmt.Sprint(ratio), func(t *testing.T) {
			c := &keyClient{callers: 16, tokens: 150}
			k := newKeyRun(20000, 150000, ratio, c)
			k.run(120 * time.Second)
			tpm, _ := k.srv.used(0, at(30*time.Second), at(120*time.Second))
			if k.srv.refused > 0 || tpm < 0.95 || tpm > 1.005 {
				t.Errorf("used %.3f of the token limit with %d refusals, want ≥ 0.95 and none", tpm, k.srv.refused)
			}
			if got := c.lim.Estimates().ChargeRatio; math.Abs(got-ratio) > 0.05*ratio {
				t.Errorf("estimated charge ratio %.3f, want %.2f", got, ratio)
			}
		})
	}
}

// A foreign load of 40 % of the limit appears, and later stops: the
// limiter uses what it leaves, sees how much it is, and takes the whole
// limit back once it stops, with no 429 at either change.
func TestLimiterMakesRoomForAForeignLoad(t *testing.T) {
	c := &keyClient{callers: 12, tokens: 150}
	k := newKeyRun(600, 1000000, 1, c)
	var during Estimates
	k.at[30*time.Second] = func() { k.srv.req.foreign = 240 }
	k.at[89*time.Second] = func() { during = c.lim.Estimates() }
	k.at[90*time.Second] = func() { k.srv.req.foreign = 0 }
	k.run(150 * time.Second)
	_, before := k.srv.used(0, at(15*time.Second), at(30*time.Second))
	_, beside := k.srv.used(0, at(45*time.Second), at(90*time.Second))
	_, after := k.srv.used(0, at(105*time.Second), at(150*time.Second))
	if k.srv.refused > 0 {
		t.Errorf("%d refusals, want none", k.srv.refused)
	}
	if before < 0.95 || beside < 0.57 || beside > 0.6 || after < 0.95 {
		t.Errorf("share of the request limit before %.3f, beside the load %.3f (0.6 left), after %.3f", before, beside, after)
	}
	if math.Abs(during.Others.RPM-240) > 30 {
		t.Errorf("others' use estimated at %.0f RPM, want about 240", during.Others.RPM)
	}
}

// Answers arriving in any order (latencies from 0.1 s to 3 s) are put
// back in the order the requests reached the server.
func TestLimiterOutOfOrderAnswers(t *testing.T) {
	c := &keyClient{callers: 64, tokens: 150}
	k := newKeyRun(20000, 150000, 1.2, c)
	k.latency = func(r *rand.Rand) time.Duration {
		return 100*time.Millisecond + time.Duration(r.Int64N(int64(2900*time.Millisecond)))
	}
	k.run(120 * time.Second)
	tpm, _ := k.srv.used(0, at(30*time.Second), at(120*time.Second))
	if k.srv.refused > 0 || tpm < 0.95 {
		t.Errorf("used %.3f of the token limit with %d refusals, want ≥ 0.95 and none", tpm, k.srv.refused)
	}
}

// One answer claiming a token limit of 1 changes nothing: the limit
// contradicts what the server granted before, and a learned limit never
// makes a request too large.
func TestLimiterIgnoresABogusLimit(t *testing.T) {
	c := &keyClient{callers: 16, tokens: 150}
	k := newKeyRun(20000, 150000, 1, c)
	k.srv.bogus = 300
	k.run(90 * time.Second)
	if got := c.lim.Limits().TPM; got != 150000*0.98 {
		t.Fatalf("token limit after the bogus answer %.0f, want 147000", got)
	}
	tpm, _ := k.srv.used(0, at(30*time.Second), at(90*time.Second))
	if k.srv.refused > 0 || tpm < 0.95 {
		t.Errorf("used %.3f of the token limit with %d refusals, want ≥ 0.95 and none", tpm, k.srv.refused)
	}
}

func TestLimiterLearnedLimitNeverMakesARequestTooLarge(t *testing.T) {
	tests := []struct {
		name    string
		answers []map[string]string
		want    float64 // the token limit in force afterwards (no headroom)
	}{
		{"a bogus first answer is not learned", []map[string]string{{"limit-tokens": "1", "remaining-tokens": "0"}}, 0},
		{"a bogus later answer is not learned", []map[string]string{
			{"limit-tokens": "60000", "remaining-tokens": "59000"}, {"limit-tokens": "1", "remaining-tokens": "0"},
		}, 60000},
		{"remaining above the limit contradicts it", []map[string]string{
			{"limit-tokens": "60000", "remaining-tokens": "59000"}, {"limit-tokens": "100", "remaining-tokens": "59000"},
		}, 60000},
		{"a change said twice is learned", []map[string]string{
			{"limit-tokens": "60000", "remaining-tokens": "59000"},
			{"limit-tokens": "30000", "remaining-tokens": "29000"},
			{"limit-tokens": "30000", "remaining-tokens": "29000"},
		}, 30000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLimiter(Limits{}, 0, newFakeClock())
			for _, a := range tc.answers {
				var kv []string
				for k, v := range a {
					kv = append(kv, k, v)
				}
				l.ObserveRequest(rlHeaders(kv...), time.Time{}, 2000, true)
			}
			if got := l.Limits().TPM; got != tc.want {
				t.Fatalf("token limit %v, want %v", got, tc.want)
			}
			// A request larger than any learned limit waits; it is never
			// refused for good.
			if _, _, err := l.reserve(100000); err != nil {
				t.Fatalf("reserve beyond a learned limit: %v", err)
			}
		})
	}
	// A limit the caller gave still makes a larger request too large.
	var tl *ErrTooLarge
	if _, _, err := NewLimiter(Limits{TPM: 1000}, 0, newFakeClock()).reserve(1001); !errors.As(err, &tl) {
		t.Fatalf("reserve beyond a given limit: %v, want ErrTooLarge", err)
	}
}

// Processes on one key, none told of the others, started a few seconds
// apart, converge on an equal split of the whole limit without a 429.
func TestLimitersOnOneKeyConverge(t *testing.T) {
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var cs []*keyClient
			for i := range n {
				cs = append(cs, &keyClient{callers: 12, tokens: 150, start: time.Duration(i) * 4 * time.Second})
			}
			k := newKeyRun(600, 1000000, 1, cs...)
			k.run(120 * time.Second)
			_, total := k.srv.used(-1, at(40*time.Second), at(120*time.Second))
			if k.srv.refused > 0 || total < 0.95 {
				t.Errorf("together %.3f of the request limit with %d refusals, want ≥ 0.95 and none", total, k.srv.refused)
			}
			for i := range n {
				if _, rpm := k.srv.used(i, at(40*time.Second), at(120*time.Second)); rpm < 0.8/float64(n) {
					t.Errorf("process %d used %.3f of the limit, want ≥ 80 %% of an equal share", i, rpm)
				}
			}
		})
	}
}

// Chat requests at a low limit come a few a second, each a good part of
// a second of the limit: the limiter finds the limit (in the server's
// count, which may differ from ours) without overshooting it.
func TestLimiterUsesALowLimitWithFewAnswersASecond(t *testing.T) {
	for _, tc := range []struct {
		tpm    float64
		tokens int64
		ratio  float64
	}{
		{20000, 162, 1}, {20000, 250, 1}, {150000, 1000, 0.7}, {150000, 1000, 1.3},
	} {
		t.Run(fmt.Sprint(tc.tpm, "/", tc.tokens, "/", tc.ratio), func(t *testing.T) {
			c := &keyClient{callers: 32, tokens: tc.tokens}
			k := newKeyRun(20000, tc.tpm, tc.ratio, c)
			k.run(180 * time.Second)
			tpm, _ := k.srv.used(0, at(30*time.Second), at(180*time.Second))
			if k.srv.refused > 0 || tpm < 0.95 || tpm > 1.005 {
				t.Errorf("used %.3f of the token limit with %d refusals, want ≥ 0.95 and none", tpm, k.srv.refused)
			}
		})
	}
}
