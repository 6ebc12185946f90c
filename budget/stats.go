package budget

import (
	"math"
	"math/bits"
	"sync"
)

// Histogram layout: values below exactLimit get one bucket each; larger
// values fall in log-spaced buckets, subBuckets per power of two, so each
// such bucket is at most 1/subBuckets of its lower bound wide.
const (
	exactBits  = 10
	exactLimit = 1 << exactBits // 1024: typical prompts are counted exactly
	subBits    = 6
	subBuckets = 1 << subBits // 64 per power of two
	// Powers of two from 2^exactBits to 2^62 inclusive cover every int64.
	logBuckets = (63 - exactBits) * subBuckets
)

// TokenStats accumulates token counts in constant memory (about 35 KB,
// whatever the number of values) for the estimate command. Count, Sum,
// Min and Max are exact. Quantile is exact for values below 1024; above,
// it is within 1/128 (0.79 %) of the true value, because it answers with
// the midpoint of a bucket no wider than 1/64 of the values in it.
//
// The zero value is ready to use. TokenStats is safe for concurrent use;
// Add costs a mutex and a few arithmetic operations, Quantile a scan of
// the ~4,400 buckets. It must not be copied after first use.
type TokenStats struct {
	mu       sync.Mutex
	count    int64
	sum      int64
	min, max int64
	exact    [exactLimit]int64
	logs     [logBuckets]int64
}

// bucketOf returns the log bucket index of v ≥ exactLimit.
func bucketOf(v int64) int {
	exp := bits.Len64(uint64(v)) - 1 // ≥ exactBits
	sub := int(v>>(exp-subBits)) & (subBuckets - 1)
	return (exp-exactBits)*subBuckets + sub
}

// bucketBounds returns the half-open range [lo, hi) of log bucket i.
func bucketBounds(i int) (lo, hi int64) {
	exp := i/subBuckets + exactBits
	sub := int64(i % subBuckets)
	width := int64(1) << (exp - subBits)
	lo = int64(1)<<exp + sub*width
	return lo, lo + width // may wrap for the very last bucket; callers clamp
}

// Add records one value. Negative values are recorded as 0. Sum saturates
// at math.MaxInt64 instead of wrapping.
func (s *TokenStats) Add(n int64) {
	n = max(n, 0)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.count == 0 || n < s.min {
		s.min = n
	}
	s.max = max(s.max, n)
	s.count++
	if n > math.MaxInt64-s.sum {
		s.sum = math.MaxInt64
	} else {
		s.sum += n
	}
	if n < exactLimit {
		s.exact[n]++
	} else {
		s.logs[bucketOf(n)]++
	}
}

// Sum returns the exact sum of the values added.
func (s *TokenStats) Sum() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sum
}

// Mean returns Sum/Count, or 0 when no value was added.
func (s *TokenStats) Mean() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.count == 0 {
		return 0
	}
	return float64(s.sum) / float64(s.count)
}

// Min returns the smallest value added, or 0 when none was.
func (s *TokenStats) Min() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.min
}

// Max returns the largest value added, or 0 when none was.
func (s *TokenStats) Max() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.max
}

// Quantile returns the q-quantile (q in [0, 1], clamped; NaN counts as
// 0.5) by the nearest-rank method: the smallest value v such that at
// least q·Count values are ≤ v. Quantile(0) is Min and Quantile(1) is Max,
// exactly. See [TokenStats] for the error bound. It returns 0 when no
// value was added.
func (s *TokenStats) Quantile(q float64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.count == 0 {
		return 0
	}
	if math.IsNaN(q) {
		q = 0.5
	}
	switch {
	case q <= 0:
		return s.min
	case q >= 1:
		return s.max
	}
	rank := max(int64(math.Ceil(q*float64(s.count))), 1)
	var seen int64
	for v, n := range s.exact {
		if seen += n; seen >= rank {
			return int64(v)
		}
	}
	for i, n := range s.logs {
		if seen += n; seen >= rank {
			lo, hi := bucketBounds(i)
			mid := lo + (hi-lo)/2
			if hi < lo { // last bucket's bound wrapped
				mid = lo
			}
			return min(max(mid, s.min), s.max)
		}
	}
	return s.max // unreachable while counts are consistent
}
