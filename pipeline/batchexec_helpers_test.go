package pipeline

import (
	"math"

	"github.com/batchprompt/batchprompt/budget"
)

func batchTestPrice() (budget.Price, bool) { return budget.DefaultPrices().Lookup("gpt-4o-mini") }

// usageOf is a summary's token counts as a budget.Usage.
func usageOf(s Summary) budget.Usage {
	return budget.Usage{PromptTokens: s.PromptTokens, CompletionTokens: s.CompletionTokens, CachedTokens: s.CachedTokens}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }
