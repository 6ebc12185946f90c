package embedexec

import (
	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/embed"
	"github.com/batchprompt/batchprompt/internal/request"
)

// answered is the row of each of rs answered with vecs[i]: its vector in
// the API's base64 (embed.EncodeVector), its own offline token count, and
// the cost of that count (the server bills the request's total, which
// settles the budget instead).
func (e *Exec) answered(rs []request.Request, vecs [][]float32, a answer) []checkpoint.Row {
	out := make([]checkpoint.Row, len(rs))
	for i, p := range rs {
		out[i] = checkpoint.Row{
			Key: p.Key, Seq: p.Seq, RequestHash: p.Hash, Status: checkpoint.StatusOK, ID: p.ID, Kept: p.Kept,
			Output: embed.EncodeVector(vecs[i]), FinishReason: p.Finish, Model: e.cfg.Model, PromptTokens: p.Tokens,
			LatencyMS: a.Latency.Milliseconds(), Attempts: a.Attempts, HTTPStatus: a.Status, Position: p.Pos.String(),
			RequestID: a.RequestID,
		}
		if cost, ok := e.host.Cost(p.Tokens); ok {
			out[i].CostUSD = &cost
		}
	}
	return out
}
