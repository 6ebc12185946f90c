package dedupe

import (
	"reflect"
	"testing"
)

func TestClaimFollowResolveCopy(t *testing.T) {
	tb := New[string, string]()
	if v, _ := tb.Claim("h1", "row0"); v != Lead {
		t.Fatalf("first claim = %v, want Lead", v)
	}
	if v, _ := tb.Claim("h1", "row1"); v != Follow {
		t.Fatalf("second claim = %v, want Follow", v)
	}
	if v, _ := tb.Claim("h2", "row2"); v != Lead {
		t.Fatalf("another hash = %v, want Lead", v)
	}
	tb.Claim("h1", "row3")
	if got := tb.Resolve("h1", "answer", 5); !reflect.DeepEqual(got, []string{"row1", "row3"}) {
		t.Errorf("Resolve returned %v, want the two followers", got)
	}
	if v, a := tb.Claim("h1", "row4"); v != Copy || a != "answer" {
		t.Errorf("claim after the answer = %v %q, want Copy of it", v, a)
	}
	if got := tb.Resolve("h1", "again", 6); got != nil {
		t.Errorf("a second Resolve returned %v", got)
	}
}

func TestDropLetsTheNextLead(t *testing.T) {
	tb := New[string, string]()
	tb.Claim("h", "a")
	tb.Claim("h", "b")
	if got := tb.Drop("h"); !reflect.DeepEqual(got, []string{"b"}) {
		t.Errorf("Drop returned %v", got)
	}
	if v, _ := tb.Claim("h", "c"); v != Lead {
		t.Errorf("claim after Drop = %v, want Lead", v)
	}
}

// TestPruneKeepsWhatIsNotCommitted: an answer queued at flush count k is
// copied from memory until the count reaches k+2, then found in the
// database instead.
func TestPruneKeepsWhatIsNotCommitted(t *testing.T) {
	tb := New[string, string]()
	for _, h := range []string{"a", "b"} {
		tb.Claim(h, h)
	}
	tb.Resolve("a", "A", 3)
	tb.Resolve("b", "B", 4)
	tests := []struct {
		flushes uint64
		left    int
	}{{3, 2}, {4, 2}, {5, 1}, {6, 0}}
	for _, tt := range tests {
		tb.Prune(tt.flushes)
		if got := tb.Len(); got != tt.left {
			t.Errorf("after Prune(%d): %d held, want %d", tt.flushes, got, tt.left)
		}
	}
	if v, _ := tb.Claim("a", "x"); v != Lead {
		t.Errorf("claim after prune = %v, want Lead", v)
	}

	// A Visible answer goes at the next Prune, even before any flush: a
	// job answered entirely without sending must not keep every answer.
	tb.Resolve("a", "A", Visible)
	tb.Prune(0)
	if got := tb.Len(); got != 0 {
		t.Errorf("after Prune(0): %d held, want the Visible answer gone", got)
	}
}
