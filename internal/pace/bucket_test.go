package pace

import (
	"testing"
	"time"
)

// A cut in the rate keeps the length in time of the turns already given:
// the next caller waits what it would have, not the old debt repaid at the
// new rate.
func TestBucketKeepsItsDebtInTime(t *testing.T) {
	now := newFakeClock().Now()
	b := newBucketAt(10, 1, now) // 10 a second, holding 1
	for range 6 {
		b.reserve(now, 1) // 1 from the bucket, then 100 ms apart: 500 ms of debt
	}
	b.setRate(now, 2) // cut to 2 a second
	if d, _ := b.reserve(now, 1); d != time.Second {
		t.Fatalf("next turn after the cut in %v, want 1s (500 ms of debt, then 500 ms at the new rate)", d)
	}
}

func TestBucketCancelAndDrain(t *testing.T) {
	now := newFakeClock().Now()
	b := newBucketAt(10, 3, now)
	b.drainTo(now, 1)
	if got := b.tokensAt(now); got != 1 {
		t.Fatalf("after draining to 1: %v tokens", got)
	}
	_, cancel := b.reserve(now, 2) // 1 in debt: due in 100 ms
	cancel(now)
	if got := b.tokensAt(now); got != 1 {
		t.Fatalf("after a cancelled turn: %v tokens, want 1 back", got)
	}
	_, cancel = b.reserve(now, 2)
	cancel(now.Add(time.Second)) // too late: the turn was taken
	if got := b.tokensAt(now.Add(time.Second)); got != 3 {
		t.Fatalf("after a late cancel: %v tokens, want the refilled 3 and no more", got)
	}
}
