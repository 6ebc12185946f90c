package pace

import (
	"fmt"
	"testing"
	"time"
)

// Packed embeddings requests: full packs of about 3.7 s of a 300k TPM
// limit each, and now and then a short one (a pack cut at the end of a
// read-ahead), sent soon after a full one at our pace.
var embedSizes = []int64{18432, 18432, 18432, 18432, 18432, 18432, 18432, 4464}

// Requests of seconds of the limit each, paced against a learned limit:
// the limiter uses the limit less its headroom, without a 429. The deficit
// a short request finds right after a full one is our own, paid back at
// our pace, not others' use: read as others', it used to cut the share
// for good (92 % of the limit in the embeddings benchmark).
func TestLimiterPacesLargeRequestsAtALearnedLimit(t *testing.T) {
	for _, sizes := range [][]int64{embedSizes, {18432}, {4608}, {60000}} {
		t.Run(fmt.Sprint(sizes[0], "x", len(sizes)), func(t *testing.T) {
			c := &keyClient{callers: 32, sizes: sizes}
			k := newKeyRun(20000, 300000, 1, c)
			k.run(300 * time.Second)
			tpm, _ := k.srv.used(0, at(30*time.Second), at(300*time.Second))
			if k.srv.refused > 0 || tpm < 0.95 || tpm > 1 {
				t.Errorf("used %.3f of the token limit with %d refusals, want ≥ 0.95 and none", tpm, k.srv.refused)
			}
			if got := c.lim.Estimates().ChargeRatio; got != 0 && (got < 0.95 || got > 1.05) {
				t.Errorf("charge ratio estimated at %.2f from a few large requests, want 1 or none", got)
			}
		})
	}
}

// Beside another user of the key taking 30 % of the token limit, large
// requests use what it leaves. At most the first full request after the
// probe is refused, before any answer has shown the other user; after
// that, none.
func TestLimiterPacesLargeRequestsBesideAForeignLoad(t *testing.T) {
	for _, sizes := range [][]int64{embedSizes, {18432}, {4608}} {
		t.Run(fmt.Sprint(sizes[0], "x", len(sizes)), func(t *testing.T) {
			c := &keyClient{callers: 32, sizes: sizes}
			k := newKeyRun(20000, 300000, 1, c)
			k.srv.tok.foreign = 90000
			k.run(300 * time.Second)
			tpm, _ := k.srv.used(0, at(30*time.Second), at(300*time.Second))
			left := tpm / 0.7
			if k.srv.refused > 1 || left < 0.95 || left > 1.01 {
				t.Errorf("used %.3f of what the other user leaves with %d refusals, want ≥ 0.95 and at most 1", left, k.srv.refused)
			}
		})
	}
}

func TestShareLump(t *testing.T) {
	t0 := at(0)
	const perSec, base = 4900, 1225
	tests := []struct {
		name  string
		sends []int64         // our sends, in order
		gaps  []time.Duration // before each send after the first
		burst float64
		want  float64 // the last send's lump
	}{
		{"a short request right after a full one", []int64{18432, 4464}, []time.Duration{911 * time.Millisecond}, 18432, 18432 - 4464 - base},
		{"a full request at our pace", []int64{18432, 18432}, []time.Duration{3762 * time.Millisecond}, 18432, 0},
		{"chat-sized requests at our pace", []int64{150, 150, 150}, []time.Duration{0, 0}, base, 0},
		{"never more than the bucket lets go", []int64{18432, 18432}, []time.Duration{0}, 18432, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newShare(1)
			now := t0
			for i, own := range tc.sends {
				if i > 0 {
					now = now.Add(tc.gaps[i-1])
				}
				c.sent(now, float64(own), perSec, tc.burst, base)
			}
			last := float64(tc.sends[len(tc.sends)-1])
			if got := c.lumpOf(now, last); got < tc.want-1 || got > tc.want+1 {
				t.Fatalf("lump %.0f, want %.0f", got, tc.want)
			}
			if got := c.lumpOf(now.Add(time.Millisecond), last); got != 0 {
				t.Fatalf("lump of a send never noted %.0f, want 0", got)
			}
		})
	}
}

// What we sent is a rate even when our requests are seconds apart: one
// request just sent is not "nothing sent".
func TestShareSentShareOfSparseRequests(t *testing.T) {
	c := newShare(1)
	t0 := at(0)
	every := 3762 * time.Millisecond // 18432 tokens at 4900 a second
	for i := range 6 {
		c.sent(t0.Add(time.Duration(i)*every), 18432, 4900, 18432, 1225)
	}
	now := t0.Add(5*every + 200*time.Millisecond)
	got := c.sentShare(now, 300000)
	want := 4900.0 * 60 / 300000 // 0.98 of the limit
	if got < 0.9*want || got > 1.02*want {
		t.Fatalf("sent %.3f of the limit, want about %.3f", got, want)
	}
}
