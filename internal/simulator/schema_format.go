package simulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"

	"github.com/batchprompt/batchprompt/internal/jsonschema"
)

// responseFormat is a request's response_format when it asks for JSON.
type responseFormat struct {
	kind   string             // "json_object" or "json_schema"
	name   string             // json_schema.name
	schema *jsonschema.Schema // json_schema.schema, parsed with its key order; nil for json_object
	raw    json.RawMessage    // the schema's text as sent, for SchemaAnswer
}

// schemaName is the API's rule for json_schema.name.
var schemaName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// parseFormat reads response_format from fields (the body decoded with
// UseNumber) and body (the raw text, because the schema's key order sets
// the answer's key order and a map loses it). A json_schema with "strict":
// true is checked against the strict-mode rules and refused with a 400, as
// the API does. It returns nil for no response_format or {"type": "text"}.
func parseFormat(fields map[string]any, body []byte) (*responseFormat, *apiError) {
	v, ok := fields["response_format"]
	if !ok || v == nil {
		return nil, nil
	}
	rf, ok := v.(map[string]any)
	if !ok {
		return nil, typeError("response_format", v, "an object")
	}
	t, ok := rf["type"].(string)
	if !ok {
		return nil, invalid("Missing required parameter: 'response_format.type'.", "response_format.type", "missing_required_parameter")
	}
	switch t {
	case "text":
		return nil, nil
	case "json_object":
		return &responseFormat{kind: t}, nil
	case "json_schema":
	default:
		return nil, invalid(fmt.Sprintf("Invalid value: '%s'. Supported values are: 'json_object', 'json_schema', and 'text'.", t),
			"response_format.type", "invalid_value")
	}
	js, ok := rf["json_schema"].(map[string]any)
	if !ok {
		return nil, invalid("Missing required parameter: 'response_format.json_schema'.", "response_format.json_schema", "missing_required_parameter")
	}
	name, _ := js["name"].(string)
	if !schemaName.MatchString(name) {
		return nil, invalid(fmt.Sprintf("Invalid 'response_format.json_schema.name': string does not match pattern. "+
			"Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$' of at most 64 characters, but got '%s' instead.", name),
			"response_format.json_schema.name", "invalid_value")
	}
	var raw struct {
		ResponseFormat struct {
			JSONSchema struct {
				Schema json.RawMessage `json:"schema"`
			} `json:"json_schema"`
		} `json:"response_format"`
	}
	if err := json.Unmarshal(body, &raw); err != nil || len(raw.ResponseFormat.JSONSchema.Schema) == 0 {
		return nil, invalid("Missing required parameter: 'response_format.json_schema.schema'.",
			"response_format.json_schema.schema", "missing_required_parameter")
	}
	f := &responseFormat{kind: t, name: name, raw: raw.ResponseFormat.JSONSchema.Schema}
	s, err := jsonschema.Parse(f.raw)
	if err != nil {
		return nil, invalid(fmt.Sprintf("Invalid schema for response_format '%s': %v", name, err), "response_format", "invalid_json_schema")
	}
	f.schema = s
	if strict, _ := js["strict"].(bool); strict {
		if err := s.Check(); err != nil {
			var ce *jsonschema.CheckError
			msg := err.Error()
			if errors.As(err, &ce) {
				msg = ce.Problems[0].String()
			}
			return nil, invalid(fmt.Sprintf("Invalid schema for response_format '%s': %s", name, msg), "response_format", "invalid_json_schema")
		}
	}
	return f, nil
}
