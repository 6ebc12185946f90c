package request

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/batchprompt/batchprompt/internal/embed"
	"github.com/batchprompt/batchprompt/readers"
)

// embedLine is the part of a Batch API /v1/embeddings body the pipeline
// reads; the body itself is sent as given.
type embedLine struct {
	Model string          `json:"model"`
	Input json.RawMessage `json:"input"`
}

// renderBatchEmbed makes p one Batch API line with url /v1/embeddings: its
// body is sent as given (one request, whatever its input holds), with the
// model filled in from --model when it names none. Tokens are its inputs'
// exact count (token arrays count their length), the TPM charge with no
// output. A body the API would refuse for its input is an error row.
func (r *Renderer) renderBatchEmbed(rec readers.Record, p *Request, body []byte) {
	var line embedLine
	if err := json.Unmarshal(body, &line); err != nil || !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		p.fail("bad_body", fmt.Sprintf("%s: body is not a JSON object", rec.Pos))
		return
	}
	if line.Model == "" {
		var fields map[string]json.RawMessage
		_ = json.Unmarshal(body, &fields) // a JSON object, checked above
		fields["model"], _ = json.Marshal(r.cfg.Model)
		body, _ = json.Marshal(fields)
		line.Model = r.cfg.Model
	}
	tokens, err := r.inputTokens(line.Model, line.Input)
	if err != nil {
		p.fail("bad_body", fmt.Sprintf("%s: %v", rec.Pos, err))
		return
	}
	p.Body, p.Hash, p.Model, p.Endpoint = body, hashBody(body), line.Model, EndpointEmbeddings
	p.Tokens, p.Charge = tokens, tokens
}

// inputTokens counts an embeddings input: a string, an array of strings, an
// array of token ids or an array of such arrays. It refuses what the API
// refuses: no input, an empty one, more inputs than a request may carry,
// one over the per-input limit or a total over the per-request limit.
func (r *Renderer) inputTokens(model string, raw json.RawMessage) (int64, error) {
	var one string
	var many []string
	var ids []int64
	var idLists [][]int64
	var counts []int64
	switch {
	case json.Unmarshal(raw, &one) == nil:
		counts = []int64{int64(r.counter.Count(model, one))}
		if one == "" {
			counts[0] = -1
		}
	case json.Unmarshal(raw, &many) == nil:
		for _, s := range many {
			n := int64(r.counter.Count(model, s))
			if s == "" {
				n = -1
			}
			counts = append(counts, n)
		}
	case json.Unmarshal(raw, &ids) == nil:
		counts = []int64{int64(len(ids))}
	case json.Unmarshal(raw, &idLists) == nil:
		for _, l := range idLists {
			counts = append(counts, int64(len(l)))
		}
	default:
		return 0, fmt.Errorf("input must be a string, an array of strings or of token arrays")
	}
	if len(counts) == 0 || len(counts) > embed.MaxInputsPerRequest {
		return 0, fmt.Errorf("input holds %d inputs: the API takes 1 to %d", len(counts), embed.MaxInputsPerRequest)
	}
	var total int64
	for i, n := range counts {
		switch {
		case n <= 0:
			return 0, fmt.Errorf("input %d: %w", i, embed.ErrEmptyInput)
		case n > embed.MaxTokensPerInput:
			return 0, fmt.Errorf("input %d: %w: %d tokens, the API takes at most %d", i, embed.ErrInputTooLong, n, embed.MaxTokensPerInput)
		}
		total += n
	}
	if total > embed.MaxTokensPerRequest {
		return 0, fmt.Errorf("inputs hold %d tokens, the API takes at most %d per request", total, embed.MaxTokensPerRequest)
	}
	return total, nil
}
