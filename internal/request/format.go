package request

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/jsonschema"
)

// DefaultSchemaName is the json_schema name sent when the job gives none.
const DefaultSchemaName = "answer"

// validSchemaName reports whether the API accepts name as
// response_format.json_schema.name: 1 to 64 of [a-zA-Z0-9_-].
func validSchemaName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, c := range []byte(name) {
		if !(c == '_' || c == '-' || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')) {
			return false
		}
	}
	return true
}

// jsonSchemaFormat is response_format for a JSON Schema, in the API's
// field order.
type jsonSchemaFormat struct {
	Type       string `json:"type"`
	JSONSchema struct {
		Name   string          `json:"name"`
		Strict bool            `json:"strict"`
		Schema json.RawMessage `json:"schema"`
	} `json:"json_schema"`
}

// responseFormat builds the response_format object of the renderer's
// config and the approximate tokens it adds to each prompt. It refuses,
// before anything is sent, a schema that breaks the strict-mode rules
// (the error names each JSON path), a schema with --json-object, a
// schema for requests that cannot carry one, and a response_format the
// model is known not to support (budget.ResponseFormatSupport).
func (r *Renderer) responseFormat() (json.RawMessage, int64, error) {
	cfg := r.cfg
	if cfg.JSONSchema == nil && !cfg.JSONObject {
		return nil, 0, nil
	}
	switch {
	case cfg.JSONSchema != nil && cfg.JSONObject:
		return nil, 0, errors.New("--json-schema and --json-object exclude each other: give one")
	case cfg.Batch:
		return nil, 0, errors.New("--json-schema and --json-object apply to prompts built from a template: Batch API input lines carry their own response_format")
	case r.embeddings():
		return nil, 0, errors.New("--json-schema and --json-object apply to chat models, not to embeddings")
	}
	switch budget.ResponseFormatSupport(cfg.Model) {
	case budget.JSONNone:
		return nil, 0, fmt.Errorf("model %s does not accept response_format: --json-schema and --json-object need a model that does (gpt-4o-mini, gpt-4.1, o3, gpt-5, …)", cfg.Model)
	case budget.JSONObject:
		if cfg.JSONSchema != nil {
			return nil, 0, fmt.Errorf("model %s has JSON mode but not structured outputs: give --json-object instead of --json-schema (answers are then only checked to be JSON objects), or use a model with structured outputs (gpt-4o-mini, gpt-4.1, o3, gpt-5, …)", cfg.Model)
		}
	}
	if cfg.JSONSchema != nil {
		if err := jsonschema.Check(cfg.JSONSchema); err != nil {
			return nil, 0, fmt.Errorf("--json-schema: the schema breaks OpenAI's strict-mode rules:\n%w", err)
		}
	}
	b, err := ResponseFormat(cfg.JSONSchema, cfg.SchemaName, cfg.JSONObject)
	if err != nil {
		return nil, 0, err
	}
	return b, int64(r.counter.Count(cfg.Model, string(b))), nil
}

// ResponseFormat returns the response_format object a job sends: for a
// JSON Schema {"type":"json_schema","json_schema":{"name","strict":true,
// "schema"}} with the schema compacted (name "" is [DefaultSchemaName]),
// for object {"type":"json_object"}, and nil for neither. It does not
// apply the strict-mode rules (New does); it fails on a schema that is not
// JSON or a name the API refuses. The same bytes go into the job's
// fingerprint, from which outputs and export derive the typed columns.
func ResponseFormat(schema []byte, name string, object bool) (json.RawMessage, error) {
	if schema == nil {
		if object {
			return json.RawMessage(`{"type":"json_object"}`), nil
		}
		return nil, nil
	}
	if name == "" {
		name = DefaultSchemaName
	}
	if !validSchemaName(name) {
		return nil, fmt.Errorf("--json-schema: the schema name %q must be 1 to 64 letters, digits, '_' or '-'", name)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, schema); err != nil {
		return nil, fmt.Errorf("--json-schema: the schema is not valid JSON: %w", err)
	}
	f := jsonSchemaFormat{Type: "json_schema"}
	f.JSONSchema.Name, f.JSONSchema.Strict, f.JSONSchema.Schema = name, true, compact.Bytes()
	b, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("encode response_format: %w", err)
	}
	return b, nil
}

// SchemaOf returns the JSON Schema inside a response_format object made
// by [ResponseFormat], or nil for json_object or none.
func SchemaOf(responseFormat []byte) []byte {
	if len(responseFormat) == 0 {
		return nil
	}
	var f jsonSchemaFormat
	if json.Unmarshal(responseFormat, &f) != nil || f.Type != "json_schema" {
		return nil
	}
	return f.JSONSchema.Schema
}
