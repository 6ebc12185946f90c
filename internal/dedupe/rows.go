package dedupe

import (
	"time"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/internal/respcache"
)

// CopyRow is row p answered with src's answer (or failure), as served from:
// its own key, place, id and kept columns, src's output, usage and
// status, and a cost of 0, since this job paid nothing more for it. The
// raw response body is kept only when bodies is set (the openai-batch
// output needs it).
func CopyRow(p request.Request, src checkpoint.Row, from checkpoint.Source, bodies bool) checkpoint.Row {
	zero := 0.0
	out := checkpoint.Row{
		Key: p.Key, Seq: p.Seq, RequestHash: p.Hash, Status: src.Status, ID: p.ID, Kept: p.Kept,
		Output: src.Output, FinishReason: src.FinishReason, Model: src.Model,
		PromptTokens: src.PromptTokens, CompletionTokens: src.CompletionTokens,
		CachedTokens: src.CachedTokens, ReasoningTokens: src.ReasoningTokens, CostUSD: &zero,
		Error: src.Error, ErrorKind: src.ErrorKind, HTTPStatus: src.HTTPStatus, Position: p.Pos.String(),
		RequestID: src.RequestID, ServedFrom: from,
	}
	if bodies {
		out.ResponseBody = src.ResponseBody
	}
	return out
}

// FromCache is a cached answer as the answer of a row (to CopyRow from).
func FromCache(a respcache.Answer) checkpoint.Row {
	return checkpoint.Row{Status: checkpoint.StatusOK, Output: a.Output, FinishReason: a.FinishReason, Model: a.Model,
		PromptTokens: a.PromptTokens, CompletionTokens: a.CompletionTokens, CachedTokens: a.CachedTokens,
		ReasoningTokens: a.ReasoningTokens, HTTPStatus: 200, RequestID: a.RequestID, ResponseBody: a.Body}
}

// ToCache is a successful row's answer as the cache keeps it, stored at now.
func ToCache(row checkpoint.Row, now time.Time) respcache.Answer {
	return respcache.Answer{Model: row.Model, Output: row.Output, FinishReason: row.FinishReason,
		PromptTokens: row.PromptTokens, CompletionTokens: row.CompletionTokens, CachedTokens: row.CachedTokens,
		ReasoningTokens: row.ReasoningTokens, RequestID: row.RequestID, Body: row.ResponseBody, Stored: now}
}

// Follower is what a row waiting on another's answer keeps of p: enough
// to CopyRow into, not its body.
func Follower(p request.Request) request.Request {
	return request.Request{Seq: p.Seq, Pos: p.Pos, Key: p.Key, ID: p.ID, Kept: p.Kept, Model: p.Model, Hash: p.Hash}
}
