package budget

import "strings"

// FallbackMaxOutput is the output cap assumed for a request that sets none
// to a model whose maximum output the price table does not list. Run
// reserves it, estimate prices it, and the simulator enforces it: one
// figure, so they cannot disagree.
const FallbackMaxOutput = 4096

// IsReasoningModel reports whether model is one of OpenAI's reasoning
// models (the o-series and gpt-5): they refuse max_tokens and take
// max_completion_tokens instead, and they bill hidden reasoning tokens
// inside the completion tokens. Dated ("o3-2025-04-16"), dotted
// ("gpt-5.1"), fine-tuned ("ft:o3:org::id") and provider-prefixed
// ("openai/gpt-5") names resolve to their family; "o10" or "gpt-50" do not
// match. Other servers and older models only know max_tokens.
func IsReasoningModel(model string) bool {
	m := baseModelName(model)
	if i := strings.LastIndex(m, "/"); i >= 0 {
		m = m[i+1:]
	}
	for _, p := range [...]string{"o1", "o3", "o4", "gpt-5"} {
		if m == p || strings.HasPrefix(m, p+"-") || strings.HasPrefix(m, p+".") {
			return true
		}
	}
	return false
}

// MaxOutput returns the output cap a request to model is charged for when
// it sets none: the model's maximum output from the table, or
// FallbackMaxOutput. known is false in the second case.
func (p *Prices) MaxOutput(model string) (tokens int64, known bool) {
	if pr, ok := p.Lookup(model); ok && pr.MaxOutput > 0 {
		return pr.MaxOutput, true
	}
	return FallbackMaxOutput, false
}
