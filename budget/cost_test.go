package budget

import (
	"math"
	"testing"
)

func approx(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

// Expected values below were worked out by hand from the rates in the
// comment of each case; they do not call the code under test.
func TestCost(t *testing.T) {
	gpt4oMini := Price{Input: 0.15, CachedInput: 0.075, Output: 0.60, BatchInput: 0.075, BatchOutput: 0.30}
	gpt5 := Price{Input: 1.25, CachedInput: 0.125, Output: 10, BatchInput: 0.625, BatchOutput: 5}
	gpt4 := Price{Input: 30, CachedInput: 30, Output: 60, BatchInput: 15, BatchOutput: 30}
	tests := []struct {
		name            string
		price           Price
		usage           Usage
		cost, batchCost float64
	}{
		// 1000·0.15 + 500·0.60 = 150 + 300 = 450 → 0.00045 USD.
		// batch: 1000·0.075 + 500·0.30 = 75 + 150 = 225 → 0.000225.
		{"plain", gpt4oMini, Usage{PromptTokens: 1000, CompletionTokens: 500}, 0.00045, 0.000225},
		// 600 uncached·0.15 = 90, 400 cached·0.075 = 30, 500·0.60 = 300 → 420 → 0.00042.
		// batch: cached rate 0.075·0.075/0.15 = 0.0375; 600·0.075 = 45, 400·0.0375 = 15, 500·0.30 = 150 → 210.
		{"cached", gpt4oMini, Usage{PromptTokens: 1000, CachedTokens: 400, CompletionTokens: 500}, 0.00042, 0.00021},
		// Reasoning is inside completion: 2000·1.25 = 2500, 3000·10 = 30000 → 32500 → 0.0325.
		// batch: 2000·0.625 = 1250, 3000·5 = 15000 → 16250 → 0.01625.
		{"reasoning", gpt5, Usage{PromptTokens: 2000, CompletionTokens: 3000, ReasoningTokens: 2500}, 0.0325, 0.01625},
		// All together: 1024 cached·0.125 = 128, 976·1.25 = 1220, 3000·10 = 30000 → 31348.
		// batch: cached 0.0625 → 64, 976·0.625 = 610, 15000 → 15674.
		{"cached and reasoning", gpt5, Usage{PromptTokens: 2000, CachedTokens: 1024, CompletionTokens: 3000, ReasoningTokens: 1000}, 0.031348, 0.015674},
		// No cache discount listed: cached tokens cost full input. 100·30 + 10·60 = 3600.
		// batch: 100·15 + 10·30 = 1800.
		{"no cache discount", gpt4, Usage{PromptTokens: 100, CachedTokens: 50, CompletionTokens: 10}, 0.0036, 0.0018},
		{"zero", gpt4, Usage{}, 0, 0},
		// Cached above prompt is clamped to prompt: 100·0.075 = 7.5 → 0.0000075.
		// batch: 100·0.0375 = 3.75.
		{"cached clamped", gpt4oMini, Usage{PromptTokens: 100, CachedTokens: 500}, 0.0000075, 0.00000375},
		{"negative", gpt4oMini, Usage{PromptTokens: -5, CachedTokens: -1, CompletionTokens: -7}, 0, 0},
		// One million of each: 1.25 + 10 = 11.25 USD.
		{"one million", gpt5, Usage{PromptTokens: 1_000_000, CompletionTokens: 1_000_000}, 11.25, 5.625},
		// Zero input price: batch cached rate falls back to batch input (0).
		{"free model", Price{}, Usage{PromptTokens: 10, CachedTokens: 5}, 0, 0},
	}
	for _, tt := range tests {
		if got := tt.price.Cost(tt.usage); !approx(got, tt.cost) {
			t.Errorf("%s: Cost = %.12g, want %.12g", tt.name, got, tt.cost)
		}
		if got := tt.price.BatchCost(tt.usage); !approx(got, tt.batchCost) {
			t.Errorf("%s: BatchCost = %.12g, want %.12g", tt.name, got, tt.batchCost)
		}
	}
}

func TestWorstCase(t *testing.T) {
	gpt4o := Price{Input: 2.5, CachedInput: 1.25, Output: 10, BatchInput: 1.25, BatchOutput: 5}
	tests := []struct {
		prompt, maxOut int64
		want, batch    float64
	}{
		// 1000·2.5 + 16384·10 = 2500 + 163840 = 166340 → 0.16634; batch half.
		{1000, 16384, 0.16634, 0.08317},
		{0, 0, 0, 0},
		{-3, 100, 0.001, 0.0005},
	}
	for _, tt := range tests {
		if got := gpt4o.WorstCase(tt.prompt, tt.maxOut); !approx(got, tt.want) {
			t.Errorf("WorstCase(%d, %d) = %.12g, want %.12g", tt.prompt, tt.maxOut, got, tt.want)
		}
		if got := gpt4o.BatchWorstCase(tt.prompt, tt.maxOut); !approx(got, tt.batch) {
			t.Errorf("BatchWorstCase(%d, %d) = %.12g, want %.12g", tt.prompt, tt.maxOut, got, tt.batch)
		}
	}
	// The worst case bounds every real outcome with the same limits.
	u := Usage{PromptTokens: 1000, CachedTokens: 500, CompletionTokens: 16384}
	if c, w := gpt4o.Cost(u), gpt4o.WorstCase(1000, 16384); c > w {
		t.Errorf("Cost %g above WorstCase %g", c, w)
	}
}
