package embedexec

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/client"
	"github.com/batchprompt/batchprompt/internal/embed"
	"github.com/batchprompt/batchprompt/internal/request"
)

// A Batch API input line with url /v1/embeddings is sent as given, one
// line a request, by the engine's synchronous executor: these are its
// embeddings-specific halves.

// CheckLine checks the answer to a Batch API embeddings line: it must at
// least be a JSON object with data and usage. Otherwise it returns a
// client.DecodeError, which the client's classifier retries.
func CheckLine(resp *client.Response) error {
	var a struct {
		Data  []json.RawMessage `json:"data"`
		Usage *embed.Usage      `json:"usage"`
	}
	if err := json.Unmarshal(resp.Body, &a); err != nil || a.Data == nil || a.Usage == nil {
		return &client.DecodeError{Status: resp.Status, Header: resp.Header, Body: resp.Body,
			Err: fmt.Errorf("%w: no data and usage (%v)", embed.ErrMalformedResponse, err)}
	}
	return nil
}

// LineRow is the result of the Batch API embeddings line p, answered by
// resp (checked by CheckLine): the answer's body as received (the
// openai-batch output carries it), the usage it reports, and that usage's
// cost (cost's ok false: the model has no price, the row no cost).
func LineRow(p request.Request, model string, cost func(tokens int64) (float64, bool), resp *client.Response, attempts int, latency time.Duration) checkpoint.Row {
	var a struct {
		Usage embed.Usage `json:"usage"`
	}
	_ = json.Unmarshal(resp.Body, &a) // checked by CheckLine
	row := checkpoint.Row{
		Key: p.Key, Seq: p.Seq, RequestHash: p.Hash, Status: checkpoint.StatusOK, ID: p.ID, Kept: p.Kept,
		Model: model, PromptTokens: a.Usage.PromptTokens, LatencyMS: latency.Milliseconds(), Attempts: attempts,
		HTTPStatus: resp.Status, Position: p.Pos.String(), RequestID: resp.Header.Get("x-request-id"), ResponseBody: resp.Body,
	}
	if c, ok := cost(a.Usage.PromptTokens); ok {
		row.CostUSD = &c
	}
	return row
}
