// Package answercheck decides whether a model's answer to a request with
// a response_format (--json-schema, --json-object) can be used: valid
// JSON, matching the schema, not cut off by the output cap and not a
// refusal. The engine retries an answer that fails, up to
// --max-parse-attempts tries, and then records it as an error row with
// the Problem's kind and message.
package answercheck

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/batchprompt/batchprompt/internal/jsonschema"
	"github.com/batchprompt/batchprompt/internal/request"
)

// The kinds of Problem; each becomes the error row's error_kind.
const (
	KindInvalidJSON = "invalid_json"    // not JSON (or, with json_object, not an object)
	KindSchema      = "schema_mismatch" // JSON that breaks the schema
	KindRefused     = "refused"         // message.refusal was set
	KindCutOff      = "cut_off"         // finish_reason "length": the output cap stopped it
)

// Problem is why an answer cannot be used.
type Problem struct {
	Kind string // one of the Kind* constants
	Msg  string // what was wrong, for the error column: the JSON path, "refused: …", "cut off at max_tokens: …"
}

// Error returns Msg.
func (p *Problem) Error() string { return p.Msg }

// Checker checks answers against one job's response_format. A nil
// *Checker accepts every answer. It is immutable and safe for concurrent
// use.
type Checker struct {
	schema *jsonschema.Schema // nil for json_object
}

// New returns the checker for responseFormat as [request.ResponseFormat]
// makes it, or nil when it is empty (no structured output). It fails on a
// schema that does not parse.
func New(responseFormat []byte) (*Checker, error) {
	if len(responseFormat) == 0 {
		return nil, nil
	}
	schema := request.SchemaOf(responseFormat)
	if schema == nil {
		return &Checker{}, nil
	}
	s, err := jsonschema.Parse(schema)
	if err != nil {
		return nil, fmt.Errorf("--json-schema: %w", err)
	}
	return &Checker{schema: s}, nil
}

// Check returns nil for a usable answer, or the Problem: a refusal first
// (its content is null), then a cut-off (finish_reason "length": the
// answer is incomplete whatever it parses as), then JSON syntax and the
// schema. Its cost is one parse of content.
func (c *Checker) Check(content, refusal, finishReason string) *Problem {
	switch {
	case c == nil:
		return nil
	case refusal != "":
		return &Problem{Kind: KindRefused, Msg: "refused: " + refusal}
	case finishReason == "length":
		return &Problem{Kind: KindCutOff, Msg: "cut off at max_tokens: raise --max-tokens"}
	case c.schema == nil:
		var v any
		if err := json.Unmarshal([]byte(content), &v); err != nil {
			return &Problem{Kind: KindInvalidJSON, Msg: "answer is not valid JSON: " + err.Error()}
		}
		if _, ok := v.(map[string]any); !ok {
			return &Problem{Kind: KindInvalidJSON, Msg: "answer is not a JSON object"}
		}
		return nil
	}
	err := c.schema.Validate([]byte(content))
	if err == nil {
		return nil
	}
	var ae *jsonschema.AnswerError
	if errors.As(err, &ae) && ae.Path == "" {
		return &Problem{Kind: KindInvalidJSON, Msg: ae.Error()}
	}
	return &Problem{Kind: KindSchema, Msg: err.Error()}
}
