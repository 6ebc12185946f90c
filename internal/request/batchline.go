package request

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/readers"
)

// FormatOpenAIBatch is the input format of the OpenAI Batch API: one
// request a line, {"custom_id", "method", "url", "body"}.
const FormatOpenAIBatch = "openai-batch"

// batchRequest is the part of a Batch API body the pipeline reads; the
// body itself is sent as given.
type batchRequest struct {
	Model               string          `json:"model"`
	MaxTokens           *int64          `json:"max_tokens"`
	MaxCompletionTokens *int64          `json:"max_completion_tokens"`
	Messages            []batchMessage  `json:"messages"`
	Temperature         json.RawMessage `json:"temperature"`
}

type batchMessage struct {
	Role    string          `json:"role"`
	Name    string          `json:"name"`
	Content json.RawMessage `json:"content"`
}

// text returns a message's text: a string, or the text parts of a list.
func (m batchMessage) text() string {
	var s string
	if json.Unmarshal(m.Content, &s) == nil {
		return s
	}
	var parts []struct{ Type, Text string }
	if json.Unmarshal(m.Content, &parts) == nil {
		var sb strings.Builder
		for _, p := range parts {
			if p.Type == "text" {
				sb.WriteString(p.Text)
			}
		}
		return sb.String()
	}
	return ""
}

// isBatchRecord reports whether rec has the Batch API input's fields.
func isBatchRecord(rec readers.Record) bool {
	for _, k := range []string{"custom_id", "method", "url", "body"} {
		if _, ok := rec.Lookup(k); !ok {
			return false
		}
	}
	return true
}

// prepareBatch turns one Batch API input line into a request. The body is
// sent as given; flags only fill in what the body lacks (the model, and
// request parameters given on the command line).
func (r *Renderer) renderBatch(rec readers.Record, p *Request) {
	get := func(k string) string { f, _ := rec.Lookup(k); return f.Value }
	if m := strings.ToUpper(get("method")); m != "POST" {
		p.fail("unsupported_method", fmt.Sprintf("%s: method %q is not supported: only POST", rec.Pos, get("method")))
		return
	}
	switch u := get("url"); u {
	case "/v1/chat/completions", "/chat/completions":
	case "/v1/embeddings", "/embeddings":
		r.renderBatchEmbed(rec, p, []byte(get("body")))
		return
	default:
		p.fail("unsupported_url", fmt.Sprintf("%s: url %q is not supported: only /v1/chat/completions and /v1/embeddings", rec.Pos, u))
		return
	}
	body := []byte(get("body"))
	var req batchRequest
	if err := json.Unmarshal(body, &req); err != nil || !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		p.fail("bad_body", fmt.Sprintf("%s: body is not a JSON object", rec.Pos))
		return
	}
	body, err := r.fillBody(body, &req)
	if err != nil {
		p.fail("bad_body", fmt.Sprintf("%s: %v", rec.Pos, err))
		return
	}
	p.Body, p.Hash, p.Model = body, hashBody(body), req.Model
	p.MaxOut, _ = r.cfg.Prices.MaxOutput(req.Model)
	switch {
	case req.MaxCompletionTokens != nil:
		p.MaxOut = *req.MaxCompletionTokens
	case req.MaxTokens != nil:
		p.MaxOut = *req.MaxTokens
	}
	for _, m := range req.Messages {
		p.msgs = append(p.msgs, budget.Message{Role: m.Role, Name: m.Name, Content: m.text()})
	}
}

// fillBody adds to body what it lacks and the job's flags give: the model,
// and request parameters set explicitly. A body that lacks nothing is
// returned unchanged, byte for byte.
func (r *Renderer) fillBody(body []byte, req *batchRequest) ([]byte, error) {
	add := map[string]any{}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	if req.Model == "" {
		req.Model = r.cfg.Model
		add["model"] = r.cfg.Model
	}
	pp := r.cfg.Params
	if pp.MaxTokens != nil && req.MaxTokens == nil && req.MaxCompletionTokens == nil {
		if budget.IsReasoningModel(req.Model) {
			add["max_completion_tokens"], req.MaxCompletionTokens = *pp.MaxTokens, pp.MaxTokens
		} else {
			add["max_tokens"], req.MaxTokens = *pp.MaxTokens, pp.MaxTokens
		}
	}
	for k, v := range map[string]any{"temperature": pp.Temperature, "top_p": pp.TopP, "seed": pp.Seed} {
		if _, has := fields[k]; !has && !isNilPtr(v) {
			add[k] = v
		}
	}
	if _, has := fields["stop"]; !has && len(pp.Stop) > 0 {
		add["stop"] = pp.Stop
	}
	if len(add) == 0 {
		return body, nil
	}
	for k, v := range add {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		fields[k] = b
	}
	return json.Marshal(fields)
}

func isNilPtr(v any) bool {
	switch x := v.(type) {
	case *float64:
		return x == nil
	case *int64:
		return x == nil
	}
	return v == nil
}
