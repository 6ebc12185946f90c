package budget

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// nearestRank is the reference quantile over sorted values.
func nearestRank(sorted []int64, q float64) int64 {
	switch {
	case q <= 0:
		return sorted[0]
	case q >= 1:
		return sorted[len(sorted)-1]
	}
	rank := max(int(math.Ceil(q*float64(len(sorted)))), 1)
	return sorted[rank-1]
}

func TestTokenStatsAgainstExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name string
		gen  func() int64
	}{
		{"small exact", func() int64 { return rng.Int64N(1024) }},
		{"prompt-like", func() int64 { return int64(math.Exp(rng.NormFloat64()*0.8 + 6)) }},
		{"wide", func() int64 { return int64(math.Exp(rng.Float64() * 30)) }},
		{"huge", func() int64 { return math.MaxInt64 - rng.Int64N(1<<40) }},
		{"constant", func() int64 { return 5000 }},
		{"single", func() int64 { return 1 << 20 }},
	}
	quantiles := []float64{0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s TokenStats
			n := 20000
			if tt.name == "single" {
				n = 1
			}
			vals := make([]int64, n)
			var sum int64
			for i := range vals {
				vals[i] = tt.gen()
				s.Add(vals[i])
				if tt.name != "huge" {
					sum += vals[i]
				}
			}
			slices.Sort(vals)
			if tt.name == "huge" {
				if s.Sum() != math.MaxInt64 {
					t.Errorf("Sum = %d, want saturated", s.Sum())
				}
			} else if s.Sum() != sum || s.Mean() != float64(sum)/float64(n) {
				t.Errorf("Sum, Mean = %d, %g; want %d, %g", s.Sum(), s.Mean(), sum, float64(sum)/float64(n))
			}
			if s.Max() != vals[n-1] || s.Min() != vals[0] {
				t.Errorf("Min, Max = %d, %d; want %d, %d", s.Min(), s.Max(), vals[0], vals[n-1])
			}
			for _, q := range quantiles {
				got, want := s.Quantile(q), nearestRank(vals, q)
				if want < exactLimit && got != want {
					t.Errorf("Quantile(%g) = %d, want exactly %d", q, got, want)
				}
				if err := math.Abs(float64(got-want)) / float64(want); want >= exactLimit && err > 1.0/128 {
					t.Errorf("Quantile(%g) = %d, want %d ± 1/128 (error %.4f)", q, got, want, err)
				}
			}
		})
	}
}

func TestTokenStatsEdges(t *testing.T) {
	var s TokenStats
	if s.Sum() != 0 || s.Mean() != 0 || s.Max() != 0 || s.Min() != 0 || s.Quantile(0.5) != 0 {
		t.Fatal("empty stats not all zero")
	}
	s.Add(-7) // recorded as 0
	s.Add(10)
	s.Add(20)
	tests := []struct {
		q    float64
		want int64
	}{
		{-1, 0}, {0, 0}, {0.33, 0}, {0.34, 10}, {0.5, 10}, {0.67, 20}, {1, 20}, {2, 20}, {math.NaN(), 10},
	}
	for _, tt := range tests {
		if got := s.Quantile(tt.q); got != tt.want {
			t.Errorf("Quantile(%g) = %d, want %d", tt.q, got, tt.want)
		}
	}
}

func TestBucketLayout(t *testing.T) {
	// Every value ≥ exactLimit lies in its bucket's bounds, and the bucket
	// is no wider than 1/64 of its lower bound.
	for _, v := range []int64{1024, 1025, 2047, 2048, 4095, 1 << 30, 1<<30 + 12345, math.MaxInt64} {
		i := bucketOf(v)
		lo, hi := bucketBounds(i)
		if v < lo || (hi > lo && v >= hi) {
			t.Errorf("value %d outside bucket %d [%d, %d)", v, i, lo, hi)
		}
		if w := hi - lo; hi > lo && w*subBuckets > lo {
			t.Errorf("bucket %d width %d too wide for %d", i, w, lo)
		}
		if i < 0 || i >= logBuckets {
			t.Errorf("value %d maps to bucket %d out of range", v, i)
		}
	}
}

func TestTokenStatsConcurrent(t *testing.T) {
	var s TokenStats
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				s.Add(int64(g*1000 + i))
				_ = s.Quantile(0.5)
			}
		}()
	}
	wg.Wait()
	if s.Mean() != 3999.5 || s.Sum() != 8000*7999/2 || s.Max() != 7999 {
		t.Fatalf("Mean, Sum, Max = %g, %d, %d; want 3999.5 (8000 values), %d, 7999", s.Mean(), s.Sum(), s.Max(), 8000*7999/2)
	}
}
