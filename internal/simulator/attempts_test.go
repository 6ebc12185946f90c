package simulator

import (
	"encoding/binary"
	"testing"
)

func TestAttemptTableIsBounded(t *testing.T) {
	var tab attemptTable
	key := func(i int) (k [16]byte) { binary.LittleEndian.PutUint64(k[:], uint64(i)); return k }
	if tab.next(key(0)) != 1 || tab.next(key(0)) != 2 {
		t.Fatal("attempts of one request must count up")
	}
	for i := 1; i < 5*attemptGeneration; i++ {
		tab.next(key(i))
		if i%1000 == 0 && tab.next(key(i)) != 2 { // a retry soon after
			t.Fatalf("request %d: a retry was not counted", i)
		}
	}
	if n := len(tab.cur) + len(tab.prev); n > 2*attemptGeneration {
		t.Fatalf("the table holds %d entries after %d requests, want at most %d", n, 5*attemptGeneration, 2*attemptGeneration)
	}
}
