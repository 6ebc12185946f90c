package simulator

// attemptGeneration is how many distinct requests one generation of the
// attempt table holds before the older generation is dropped. Two
// generations bound the table to about 2 × 256k entries (some 40 MB at
// most) however many requests are served, so a rehearsal of a 10M-row job
// fits; a retry is remembered as long as fewer than 256k new requests
// arrived since its previous attempt, which retries seconds apart always
// are.
const attemptGeneration = 1 << 18

// attemptTable counts how often each request (by body hash) was seen, in
// bounded memory. The caller holds the server's mutex.
type attemptTable struct {
	cur, prev map[[16]byte]int64
}

// next records one more attempt at key and returns its number (1 for the
// first).
func (t *attemptTable) next(key [16]byte) int64 {
	if t.cur == nil {
		t.cur = make(map[[16]byte]int64)
	}
	n, ok := t.cur[key]
	if !ok {
		n = t.prev[key] // 0 when forgotten or new
		if len(t.cur) >= attemptGeneration {
			t.prev, t.cur = t.cur, make(map[[16]byte]int64)
		}
	}
	n++
	t.cur[key] = n
	return n
}
