package estimate

import "github.com/batchprompt/batchprompt/internal/embed"

// SourceEmbeddings is an OutputRange's source for an embeddings job: it
// has no output tokens, at either end.
const SourceEmbeddings = "embeddings"

// embeddings settles what differs for an embeddings job's report: no
// output tokens, and the requests its rows pack into (embed.Packer's
// limits: inputs, then tokens, per request), which is what RPM counts.
func embeddings(e *Report, batch int) {
	e.Output = OutputRange{LowSource: SourceEmbeddings, HighSource: SourceEmbeddings}
	if batch <= 0 || batch > embed.MaxInputsPerRequest {
		batch = embed.MaxInputsPerRequest
	}
	byRows := (e.Requests + int64(batch) - 1) / int64(batch)
	byTokens := (e.PromptTokens.Billed + embed.MaxTokensPerRequest - 1) / embed.MaxTokensPerRequest
	e.Requests = max(byRows, byTokens)
}
