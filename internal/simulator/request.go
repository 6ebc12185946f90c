package simulator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/batchprompt/batchprompt/budget"
)

// chatRequest is the part of a chat completions body the simulator acts on.
type chatRequest struct {
	hash     string // hex SHA-256 of the canonical body
	model    string
	messages []budget.Message
	maxOut   int64           // requested output cap (max_completion_tokens, else max_tokens), 0 if unset
	capParam string          // the parameter maxOut came from
	n        int             // number of choices
	lastUser string          // content of the last user message (or last message)
	format   *responseFormat // response_format asking for JSON; nil for text
}

// hashBytes identifies a body the simulator could not parse, for the log
// and the attempt counter.
func hashBytes(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func validRole(role string) bool {
	switch role {
	case "system", "developer", "user", "assistant", "tool", "function":
		return true
	}
	return false
}

// parseChat decodes and validates body. deployment, when non-empty (Azure
// routes), is the model if the body names none. Errors are 400 apiErrors
// worded like the API's.
func parseChat(body []byte, deployment string) (*chatRequest, *apiError) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var fields map[string]any
	if err := dec.Decode(&fields); err != nil || fields == nil || dec.More() {
		return nil, invalid("We could not parse the JSON body of your request. (HINT: This likely means you "+
			"aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "+
			"sent was not valid JSON.)", "", "")
	}
	if _, ok := fields["model"]; !ok && deployment != "" {
		fields["model"] = deployment
	}
	req := &chatRequest{n: 1}
	model, ok := fields["model"].(string)
	if _, present := fields["model"]; !present || (ok && model == "") {
		return nil, invalid("you must provide a model parameter", "", "")
	}
	if !ok {
		return nil, typeError("model", fields["model"], "a string")
	}
	req.model = model
	if e := parseMessages(fields, req); e != nil {
		return nil, e
	}
	if e := checkRange(fields, "temperature", 0, 2); e != nil {
		return nil, e
	}
	if e := checkRange(fields, "top_p", 0, 1); e != nil {
		return nil, e
	}
	for _, p := range []string{"max_tokens", "max_completion_tokens"} {
		v, e := intParam(fields, p, 1)
		if e != nil {
			return nil, e
		}
		if v > 0 && (req.maxOut == 0 || p == "max_completion_tokens") {
			req.maxOut, req.capParam = v, p
		}
	}
	n, e := intParam(fields, "n", 1)
	if e != nil {
		return nil, e
	}
	if n > 128 {
		return nil, invalid(fmt.Sprintf("Invalid 'n': integer above maximum value. Expected a value <= 128, but got %d instead.", n),
			"n", "integer_above_max_value")
	}
	if n > 0 {
		req.n = int(n)
	}
	if s, _ := fields["stream"].(bool); s {
		return nil, invalid("The simulator does not support stream=true.", "stream", "unsupported_value")
	}
	if req.format, e = parseFormat(fields, body); e != nil {
		return nil, e
	}
	canon, err := json.Marshal(fields) // map keys are sorted: a canonical form
	if err != nil {
		return nil, invalid("We could not parse the JSON body of your request.", "", "")
	}
	req.hash = hashBytes(canon)
	return req, nil
}

func parseMessages(fields map[string]any, req *chatRequest) *apiError {
	raw, present := fields["messages"]
	if !present || raw == nil {
		return invalid("Missing required parameter: 'messages'.", "messages", "missing_required_parameter")
	}
	list, ok := raw.([]any)
	if !ok {
		return typeError("messages", raw, "an array")
	}
	if len(list) == 0 {
		return invalid("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
			"messages", "empty_array")
	}
	for i, item := range list {
		param := fmt.Sprintf("messages[%d]", i)
		m, ok := item.(map[string]any)
		if !ok {
			return typeError(param, item, "an object")
		}
		role, ok := m["role"].(string)
		if !ok {
			return invalid(fmt.Sprintf("Missing required parameter: '%s.role'.", param), param+".role", "missing_required_parameter")
		}
		if !validRole(role) {
			return invalid(fmt.Sprintf("Invalid value: '%s'. Supported values are: 'system', 'assistant', 'user', "+
				"'function', 'tool', and 'developer'.", role), param+".role", "invalid_value")
		}
		content, e := contentText(m["content"], param+".content")
		if e != nil {
			return e
		}
		name, _ := m["name"].(string)
		req.messages = append(req.messages, budget.Message{Role: role, Content: content, Name: name})
		if role == "user" {
			req.lastUser = content
		}
	}
	if req.lastUser == "" {
		req.lastUser = req.messages[len(req.messages)-1].Content
	}
	return nil
}

// contentText flattens a message's content: a string, null, or an array of
// parts whose text parts are joined. Non-text parts (images) add nothing.
func contentText(v any, param string) (string, *apiError) {
	switch c := v.(type) {
	case nil:
		return "", nil
	case string:
		return c, nil
	case []any:
		var b strings.Builder
		for i, p := range c {
			part, ok := p.(map[string]any)
			if !ok {
				return "", typeError(fmt.Sprintf("%s[%d]", param, i), p, "an object")
			}
			if t, ok := part["text"].(string); ok {
				b.WriteString(t)
			}
		}
		return b.String(), nil
	default:
		return "", typeError(param, v, "a string or an array of content parts")
	}
}

func typeError(param string, got any, want string) *apiError {
	return invalid(fmt.Sprintf("Invalid type for '%s': expected %s, but got %s instead.", param, want, jsonKind(got)),
		param, "invalid_type")
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	default:
		return "an object"
	}
}

// checkRange validates an optional decimal parameter against [lo, hi].
func checkRange(fields map[string]any, param string, lo, hi float64) *apiError {
	v, present := fields[param]
	if !present || v == nil {
		return nil
	}
	num, ok := v.(json.Number)
	if !ok {
		return typeError(param, v, "a decimal")
	}
	f, err := num.Float64()
	if err != nil || math.IsNaN(f) {
		return typeError(param, v, "a decimal")
	}
	if f < lo {
		return invalid(fmt.Sprintf("Invalid '%s': decimal below minimum value. Expected a value >= %g, but got %s instead.", param, lo, num),
			param, "decimal_below_min_value")
	}
	if f > hi {
		return invalid(fmt.Sprintf("Invalid '%s': decimal above maximum value. Expected a value <= %g, but got %s instead.", param, hi, num),
			param, "decimal_above_max_value")
	}
	return nil
}

// maxIntParam bounds integer parameters, as the API does, so that no
// product of them can overflow.
const maxIntParam = math.MaxInt32

// intParam returns an optional integer parameter (0 if absent or null),
// rejecting non-integers and values below lo or above maxIntParam.
func intParam(fields map[string]any, param string, lo int64) (int64, *apiError) {
	v, present := fields[param]
	if !present || v == nil {
		return 0, nil
	}
	num, ok := v.(json.Number)
	if !ok {
		return 0, typeError(param, v, "an integer")
	}
	i, err := num.Int64()
	if err != nil {
		return 0, typeError(param, v, "an integer")
	}
	if i < lo {
		return 0, invalid(fmt.Sprintf("Invalid '%s': integer below minimum value. Expected a value >= %d, but got %d instead.", param, lo, i),
			param, "integer_below_min_value")
	}
	if i > maxIntParam {
		return 0, invalid(fmt.Sprintf("Invalid '%s': integer above maximum value. Expected a value <= %d, but got %d instead.", param, maxIntParam, i),
			param, "integer_above_max_value")
	}
	return i, nil
}
