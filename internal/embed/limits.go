// Package embed holds what batchprompt knows about OpenAI's embeddings
// endpoint (POST /v1/embeddings) and the leaf pieces an embeddings job is
// built from: a streaming [Packer] that groups rows into requests under the
// API's limits, the request body builder ([RequestBody]), the response
// decoder ([DecodeResponse]) and a [Truncator] for inputs over the per-input
// token limit.
//
// Nothing here does I/O or keeps state beyond the values the caller holds.
package embed

import "strings"

// The API's per-request limits on POST /v1/embeddings. The figures are
// those of OpenAI's API reference for the `input` parameter ("must not
// exceed the max input tokens for the model (8192 tokens for all embedding
// models), cannot be an empty string, and any array must be 2048 dimensions
// or less … all embedding models enforce a maximum of 300,000 tokens summed
// across all inputs in a single request"), as quoted in the team note
// /work/shared/notes/batch-api.md (Embeddings section, checked 2026-11) and
// in spiceai/spiceai PR #6144 (2025-06-06). Older texts and LiteLLM's price
// map (budget/prices.json, context_window) give 8,191 per input; the API
// has accepted 8,192 since 2024.
const (
	// MaxInputsPerRequest is the most inputs one request may carry.
	MaxInputsPerRequest = 2048
	// MaxTokensPerInput is the most tokens one input may encode to.
	MaxTokensPerInput = 8192
	// MaxTokensPerRequest is the most tokens one request's inputs may sum to.
	MaxTokensPerRequest = 300_000
)

// Native output sizes of OpenAI's embedding models.
const (
	dimsSmall = 1536 // text-embedding-3-small
	dimsLarge = 3072 // text-embedding-3-large
	dimsAda   = 1536 // text-embedding-ada-002
)

// DefaultDimensions returns the length of the vectors model returns when no
// `dimensions` parameter is sent, and 0 for a model it does not know (a
// self-hosted server's model, say), whose size only its answers tell.
func DefaultDimensions(model string) int {
	m := strings.ToLower(strings.TrimSpace(model))
	switch {
	case strings.HasPrefix(m, "text-embedding-3-small"):
		return dimsSmall
	case strings.HasPrefix(m, "text-embedding-3-large"):
		return dimsLarge
	case strings.HasPrefix(m, "text-embedding-ada-002"):
		return dimsAda
	}
	return 0
}

// SupportsDimensions reports whether the `dimensions` parameter may be sent
// for model. Only text-embedding-ada-002 refuses it ("This model does not
// support specifying dimensions."); models this package does not know are
// given the benefit of the doubt.
func SupportsDimensions(model string) bool {
	return !strings.HasPrefix(strings.ToLower(strings.TrimSpace(model)), "text-embedding-ada-002")
}
