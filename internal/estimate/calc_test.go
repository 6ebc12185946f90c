package estimate

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/pace"
)

func TestEstimateDuration(t *testing.T) {
	tests := []struct {
		name             string
		requests, charge int64
		limits           pace.Limits
		known, lower     bool
		total            time.Duration
		binds            string
	}{
		{name: "no limits", requests: 1000, charge: 1e6, known: false},
		// 10,000 requests at 500 RPM: 20 min. 10,000 × (100 + 100) tokens at 200k TPM: 10 min.
		{name: "rpm binds", requests: 10000, charge: 2e6, limits: pace.Limits{RPM: 500, TPM: 200000}, known: true, total: 20 * time.Minute, binds: BindsRPM},
		// Same requests with a 16,384 output cap: 10,000 × 16,484 at 2M TPM = 82.42 min.
		{name: "tpm binds", requests: 10000, charge: 164_840_000, limits: pace.Limits{RPM: 5000, TPM: 2e6}, known: true, total: time.Duration(82.42 * float64(time.Minute)), binds: BindsTPM},
		{name: "rpm only", requests: 90, charge: 1e9, limits: pace.Limits{RPM: 60}, known: true, lower: true, total: 90 * time.Second, binds: BindsRPM},
		{name: "tpm only", requests: 90, charge: 30000, limits: pace.Limits{TPM: 60000}, known: true, lower: true, total: 30 * time.Second, binds: BindsTPM},
		{name: "fractional rpm", requests: 1, charge: 1, limits: pace.Limits{RPM: 0.5, TPM: 1e9}, known: true, total: 2 * time.Minute, binds: BindsRPM},
		{name: "zero requests", requests: 0, charge: 0, limits: pace.Limits{RPM: 10, TPM: 10}, known: true, total: 0, binds: BindsRPM},
		{name: "huge", requests: math.MaxInt64, charge: math.MaxInt64, limits: pace.Limits{RPM: 1e-9, TPM: 1}, known: true, total: math.MaxInt64, binds: BindsRPM},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := estimateDuration(tc.requests, tc.charge, tc.limits)
			if d.Known != tc.known || d.LowerBound != tc.lower || d.Binds != tc.binds {
				t.Errorf("known %v lower %v binds %q; want %v %v %q", d.Known, d.LowerBound, d.Binds, tc.known, tc.lower, tc.binds)
			}
			if diff := d.Total - tc.total; diff < -time.Millisecond || diff > time.Millisecond {
				t.Errorf("total %v, want %v", d.Total, tc.total)
			}
			if (d.Hint == "") != (tc.known && !tc.lower) {
				t.Errorf("hint %q for known %v lower %v", d.Hint, d.Known, d.LowerBound)
			}
			if _, err := json.Marshal(d); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestOutputAndCostRange(t *testing.T) {
	price := budget.Price{Model: "m", Input: 0.15, CachedInput: 0.075, Output: 0.60, BatchInput: 0.075, BatchOutput: 0.30, ContextWindow: 128000, MaxOutput: 16384}
	five := int64(50)
	tests := []struct {
		name                 string
		maxTokens            *int64
		expect               int64
		price                budget.Price
		low, high            int64
		lowSource, highSrc   string
		stdLow, stdHigh      float64
		batchLow, batchHigh  float64
		requests, promptToks int64
	}{
		// 1,000 requests, 1M prompt tokens: $0.15 input; output 100k → $0.06, 16.384M → $9.8304.
		{name: "defaults", price: price, requests: 1000, promptToks: 1e6, low: 100, high: 16384, lowSource: "default", highSrc: "model",
			stdLow: 0.21, stdHigh: 0.15 + 9.8304, batchLow: 0.105, batchHigh: 0.075 + 4.9152},
		{name: "max tokens clamps expect", maxTokens: &five, expect: 400, price: price, requests: 1000, promptToks: 1e6, low: 50, high: 50,
			lowSource: "expect-output-tokens", highSrc: "max-tokens", stdLow: 0.18, stdHigh: 0.18, batchLow: 0.09, batchHigh: 0.09},
		{name: "no max output listed", expect: 10, price: budget.Price{Input: 1, Output: 1, BatchInput: 0.5, BatchOutput: 0.5}, requests: 1, low: 10, high: 4096,
			lowSource: "expect-output-tokens", highSrc: "fallback", stdLow: 10e-6, stdHigh: 4096e-6, batchLow: 5e-6, batchHigh: 2048e-6},
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := outputRange(tc.maxTokens, tc.expect, tc.price, tc.requests)
			if o.PerRowLow != tc.low || o.PerRowHigh != tc.high || o.LowSource != tc.lowSource || o.HighSource != tc.highSrc ||
				o.TotalLow != tc.low*tc.requests || o.TotalHigh != tc.high*tc.requests {
				t.Errorf("output %+v; want %d (%s) to %d (%s)", o, tc.low, tc.lowSource, tc.high, tc.highSrc)
			}
			c := costRange(tc.price, tc.promptToks, o)
			if !near(c.StandardLow, tc.stdLow) || !near(c.StandardHigh, tc.stdHigh) || !near(c.BatchLow, tc.batchLow) || !near(c.BatchHigh, tc.batchHigh) {
				t.Errorf("cost %+v; want %g–%g, batch %g–%g", c, tc.stdLow, tc.stdHigh, tc.batchLow, tc.batchHigh)
			}
		})
	}
}
