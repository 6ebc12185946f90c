// Package rows builds the state database's row for each way a request
// can end: answered, failed, out of retries, or never sendable. Every
// executor records its results through it, so a row means the same
// whichever executor answered it.
package rows

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/client"
	"github.com/batchprompt/batchprompt/internal/request"
)

// Model is what a row's cost needs of its model.
type Model struct {
	Name   string
	Price  budget.Price
	Priced bool
}

// OK is the row of a chat request answered by resp. Its cost is priced by
// the model asked for (the answer names a dated snapshot, which resolves
// to the same family anyway); an answer without usage has no cost (nil:
// unknown, not zero). bodies keeps the raw answer, for the openai-batch
// output.
func OK(p request.Request, m Model, resp *client.Response, attempts int, latency time.Duration, bodies bool) checkpoint.Row {
	c := resp.Completion
	ch := c.Choices[0]
	u := budget.Usage{PromptTokens: int64(c.Usage.PromptTokens), CompletionTokens: int64(c.Usage.CompletionTokens)}
	if d := c.Usage.PromptTokensDetails; d != nil {
		u.CachedTokens = int64(d.CachedTokens)
	}
	if d := c.Usage.CompletionTokensDetails; d != nil {
		u.ReasoningTokens = int64(d.ReasoningTokens)
	}
	answered := c.Model
	if answered == "" {
		answered = m.Name
	}
	row := checkpoint.Row{
		Key: p.Key, Seq: p.Seq, RequestHash: p.Hash, Status: checkpoint.StatusOK, ID: p.ID, Kept: p.Kept,
		Output: ch.Message.Content, FinishReason: string(ch.FinishReason), Model: answered,
		PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens,
		CachedTokens: u.CachedTokens, ReasoningTokens: u.ReasoningTokens,
		LatencyMS: latency.Milliseconds(), Attempts: attempts, HTTPStatus: resp.Status, Position: p.Pos.String(),
		RequestID: resp.Header.Get("x-request-id"),
	}
	if bodies {
		row.ResponseBody = resp.Body
	}
	if m.Priced && !resp.NoUsage {
		cost := RoundUSD(m.Price.Cost(u))
		row.CostUSD = &cost
	}
	return row
}

// Failed is the row of a request that failed for good; err (when it is an
// HTTP error) keeps the server's answer, which the Batch API format
// reports as it came.
func Failed(p request.Request, attempts int, kind, msg string, latency time.Duration, err error) checkpoint.Row {
	row := checkpoint.Row{
		Key: p.Key, Seq: p.Seq, RequestHash: p.Hash, Status: checkpoint.StatusFailed, ID: p.ID, Kept: p.Kept,
		Error: msg, ErrorKind: kind, LatencyMS: latency.Milliseconds(), Attempts: attempts,
		Position: p.Pos.String(),
	}
	var he *client.HTTPError
	if errors.As(err, &he) {
		row.HTTPStatus, row.ResponseBody, row.RequestID = he.Status, he.Body, he.Header.Get("x-request-id")
	}
	return row
}

// GaveUp is the row of a request that ran out of transient retries: an
// error row in this run's outputs, sent again by the next run.
func GaveUp(p request.Request, attempts int, c client.Class, err error, latency time.Duration) checkpoint.Row {
	row := Failed(p, attempts, c.Kind, fmt.Sprintf("%s: %v (gave up after %d attempts; a rerun retries it)", p.Pos, err, attempts), latency, err)
	row.Status = checkpoint.StatusPending
	return row
}

// Unsendable is the row of a request the renderer refused (p.Err set).
func Unsendable(p request.Request) checkpoint.Row {
	return checkpoint.Row{
		Key: p.Key, Seq: p.Seq, ID: p.ID, Kept: p.Kept, Status: checkpoint.StatusFailed,
		Error: p.Err.Msg, ErrorKind: p.Err.Kind, Position: p.Pos.String(),
	}
}

// RoundUSD drops float noise below a millionth of a cent, so outputs show
// 0.0000196 rather than 0.000019600000000000002.
func RoundUSD(v float64) float64 { return math.Round(v*1e12) / 1e12 }
