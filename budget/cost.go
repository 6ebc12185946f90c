package budget

// Usage is the token usage the API reports for one request.
type Usage struct {
	// PromptTokens includes CachedTokens.
	PromptTokens, CachedTokens int64
	// CompletionTokens includes ReasoningTokens, as billed.
	CompletionTokens, ReasoningTokens int64
}

const perMillion = 1e6

// normalise clamps negative counts to zero and cached tokens to the
// prompt, so a malformed usage report can never produce a negative cost.
func (u Usage) normalise() (uncached, cached, completion int64) {
	prompt := max(u.PromptTokens, 0)
	cached = min(max(u.CachedTokens, 0), prompt)
	return prompt - cached, cached, max(u.CompletionTokens, 0)
}

// Cost returns the standard-tier USD cost of u:
// (prompt−cached)·Input + cached·CachedInput + completion·Output, per 1M.
// Reasoning tokens are already part of CompletionTokens and are not added
// again.
func (pr Price) Cost(u Usage) float64 {
	uncached, cached, completion := u.normalise()
	return (float64(uncached)*pr.Input + float64(cached)*pr.CachedInput +
		float64(completion)*pr.Output) / perMillion
}

// BatchCost returns the Batch API USD cost of u. Cached prompt tokens get
// the same discount relative to BatchInput that CachedInput has relative
// to Input (OpenAI lists gpt-5 batch cached input at 10 % of batch input,
// as for the standard tier).
func (pr Price) BatchCost(u Usage) float64 {
	uncached, cached, completion := u.normalise()
	cachedRate := pr.BatchInput
	if pr.Input > 0 {
		cachedRate = pr.BatchInput * pr.CachedInput / pr.Input
	}
	return (float64(uncached)*pr.BatchInput + float64(cached)*cachedRate +
		float64(completion)*pr.BatchOutput) / perMillion
}

// WorstCase returns the most a standard-tier request can cost: every
// prompt token uncached and every allowed output token used. When the
// request sets no output limit, pass MaxOutput. Negative counts count as 0.
func (pr Price) WorstCase(promptTokens, maxOutputTokens int64) float64 {
	return (float64(max(promptTokens, 0))*pr.Input + float64(max(maxOutputTokens, 0))*pr.Output) / perMillion
}

// BatchWorstCase is [Price.WorstCase] at Batch API rates.
func (pr Price) BatchWorstCase(promptTokens, maxOutputTokens int64) float64 {
	return (float64(max(promptTokens, 0))*pr.BatchInput + float64(max(maxOutputTokens, 0))*pr.BatchOutput) / perMillion
}
