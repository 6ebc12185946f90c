package request

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/batchprompt/batchprompt/budget"
)

// Params are the request parameters a job sets on every chat request. A nil
// pointer means "not set": the field is left out of the body and the
// server's default applies. A non-nil pointer is always sent, so an explicit
// temperature of 0 reaches the API as 0 (go-openai's omitempty would drop
// it, which is why we build the body ourselves).
type Params struct {
	MaxTokens   *int64
	Temperature *float64
	TopP        *float64
	Seed        *int64
	Stop        []string
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// chatBody is the JSON we send. Field order is fixed so that the same
// request always serialises to the same bytes, and therefore the same hash.
type chatBody struct {
	Model               string        `json:"model"`
	Messages            []chatMessage `json:"messages"`
	MaxTokens           *int64        `json:"max_tokens,omitempty"`
	MaxCompletionTokens *int64        `json:"max_completion_tokens,omitempty"`
	Temperature         *float64      `json:"temperature,omitempty"`
	TopP                *float64      `json:"top_p,omitempty"`
	Seed                *int64        `json:"seed,omitempty"`
	Stop                []string      `json:"stop,omitempty"`
	// ResponseFormat is set only by a job with --json-schema or
	// --json-object: other jobs' bodies, and so their hashes, are as they
	// were before it existed.
	ResponseFormat json.RawMessage `json:"response_format,omitempty"`
}

// buildBody renders the JSON body of one chat request; format is the
// response_format object, or nil for none.
func buildBody(model, system, user string, p Params, format json.RawMessage) ([]byte, error) {
	b := chatBody{Model: model, Temperature: p.Temperature, TopP: p.TopP, Seed: p.Seed, Stop: p.Stop, ResponseFormat: format}
	if system != "" {
		b.Messages = append(b.Messages, chatMessage{Role: "system", Content: system})
	}
	b.Messages = append(b.Messages, chatMessage{Role: "user", Content: user})
	if p.MaxTokens != nil {
		if budget.IsReasoningModel(model) {
			b.MaxCompletionTokens = p.MaxTokens
		} else {
			b.MaxTokens = p.MaxTokens
		}
	}
	body, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	return body, nil
}

// hashBody names a request by its exact bytes: rows whose rendered request
// is unchanged keep their hash across runs, which is what resume keys on.
func hashBody(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:16])
}
