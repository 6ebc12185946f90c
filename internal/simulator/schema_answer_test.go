package simulator

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/jsonschema"
)

// reviewSchema holds every kind the end-to-end test names.
const reviewSchema = `{"type":"object","additionalProperties":false,
 "required":["product","score","rating","verified","sentiment","note","tags","author"],
 "properties":{"product":{"type":"string"},"score":{"type":"integer","minimum":1,"maximum":5},
  "rating":{"type":"number"},"verified":{"type":"boolean"},
  "sentiment":{"type":"string","enum":["positive","neutral","negative"]},"note":{"type":["string","null"]},
  "tags":{"type":"array","items":{"type":"string"}},
  "author":{"type":"object","additionalProperties":false,"required":["name"],"properties":{"name":{"type":"string"}}}}}`

func schemaBody(user, model, extra string) string {
	s := `{"model":"` + model + `","messages":[{"role":"user","content":"` + user + `"}],` +
		`"response_format":{"type":"json_schema","json_schema":{"name":"review","strict":true,"schema":` + reviewSchema + `}}`
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

// logHashes returns the "hash" of each RequestLog line.
func logHashes(t *testing.T, log *bytes.Buffer) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		var x struct{ Hash string }
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			t.Fatal(err)
		}
		out = append(out, x.Hash)
	}
	return out
}

func TestSchemaAnswerPredictable(t *testing.T) {
	var log bytes.Buffer
	s := New(Config{Sleep: noSleep, RequestLog: &log})
	counter := budget.NewCounter()
	for _, model := range []string{"gpt-4o-mini", "gpt-5-mini"} {
		log.Reset()
		body := schemaBody("Great kettle, boils fast.", model, `"n":2`)
		w := post(t, s, chatPath, body)
		if w.Code != 200 {
			t.Fatalf("%s: %d %s", model, w.Code, w.Body)
		}
		r := decodeOK(t, w.Body.Bytes())
		hash := logHashes(t, &log)[0]
		if h, err := RequestHash([]byte(body)); err != nil || h != hash {
			t.Errorf("RequestHash = %s, %v; the log says %s", h, err, hash)
		}
		var visible int
		for i, ch := range r.Choices {
			want, err := SchemaAnswer([]byte(reviewSchema), hash, i)
			if err != nil {
				t.Fatal(err)
			}
			if ch.Message.Content != string(want) || ch.FinishReason != "stop" {
				t.Errorf("%s choice %d: %q (%s), want %s", model, i, ch.Message.Content, ch.FinishReason, want)
			}
			if err := jsonschema.Validate([]byte(reviewSchema), []byte(ch.Message.Content)); err != nil {
				t.Errorf("%s choice %d: %v", model, i, err)
			}
			if !strings.HasPrefix(ch.Message.Content, `{"product":"product `) {
				t.Errorf("keys must come in schema order: %s", ch.Message.Content)
			}
			visible += counter.Count(model, ch.Message.Content)
		}
		if r.Choices[0].Message.Content == r.Choices[1].Message.Content {
			t.Errorf("%s: both choices are %s", model, r.Choices[0].Message.Content)
		}
		u := r.Usage
		if u.CompletionTokens != visible+u.CompletionTokensDetails.ReasoningTokens {
			t.Errorf("%s: completion_tokens %d, visible %d + reasoning %d", model, u.CompletionTokens, visible, u.CompletionTokensDetails.ReasoningTokens)
		}
		if (model == "gpt-5-mini") != (u.CompletionTokensDetails.ReasoningTokens > 0) {
			t.Errorf("%s: reasoning tokens %d", model, u.CompletionTokensDetails.ReasoningTokens)
		}
	}
}

func TestSchemaAnswerCappedIsCutOff(t *testing.T) {
	s := New(Config{Sleep: noSleep})
	w := post(t, s, chatPath, schemaBody("x", "gpt-4o-mini", `"max_tokens":7`))
	r := decodeOK(t, w.Body.Bytes())
	ch := r.Choices[0]
	if ch.FinishReason != "length" || json.Valid([]byte(ch.Message.Content)) || !strings.HasPrefix(ch.Message.Content, `{"product"`) {
		t.Errorf("finish %s, content %q", ch.FinishReason, ch.Message.Content)
	}
	if got := budget.NewCounter().Count("gpt-4o-mini", ch.Message.Content); r.Usage.CompletionTokens != got || got > 7 {
		t.Errorf("completion_tokens %d, content counts %d", r.Usage.CompletionTokens, got)
	}
}

func TestJSONObjectAnswer(t *testing.T) {
	s := New(Config{Sleep: noSleep})
	w := post(t, s, chatPath, simpleBody("Name a colour.", `"response_format":{"type":"json_object"}`))
	r := decodeOK(t, w.Body.Bytes())
	var got struct{ Answer string }
	if err := json.Unmarshal([]byte(r.Choices[0].Message.Content), &got); err != nil || !strings.HasPrefix(got.Answer, "Simulated answer to: Name a colour.") {
		t.Errorf("content %q: %v", r.Choices[0].Message.Content, err)
	}
}

func TestResponseFormatErrors(t *testing.T) {
	tests := []struct {
		name, format string
		status       int
		msg, param   string
	}{
		{"text", `{"type":"text"}`, 200, "", ""},
		{"not strict: not checked", `{"type":"json_schema","json_schema":{"name":"a","schema":{"type":"object","properties":{"x":{"type":"string"}}}}}`, 200, "", ""},
		{"not an object", `"json"`, 400, "Invalid type for 'response_format': expected an object, but got a string instead.", "response_format"},
		{"no type", `{}`, 400, "Missing required parameter: 'response_format.type'.", "response_format.type"},
		{"unknown type", `{"type":"xml"}`, 400, "Invalid value: 'xml'. Supported values are: 'json_object', 'json_schema', and 'text'.", "response_format.type"},
		{"no json_schema", `{"type":"json_schema"}`, 400, "Missing required parameter: 'response_format.json_schema'.", "response_format.json_schema"},
		{"bad name", `{"type":"json_schema","json_schema":{"name":"a b","schema":{}}}`, 400, "Invalid 'response_format.json_schema.name': string does not match pattern.", "response_format.json_schema.name"},
		{"no schema", `{"type":"json_schema","json_schema":{"name":"a"}}`, 400, "Missing required parameter: 'response_format.json_schema.schema'.", "response_format.json_schema.schema"},
		{"strict refused", `{"type":"json_schema","json_schema":{"name":"a","strict":true,"schema":{"type":"object","properties":{"x":{"type":"string"}},"required":["x"]}}}`,
			400, `Invalid schema for response_format 'a': $: add "additionalProperties": false (strict mode requires it on every object)`, "response_format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Config{Sleep: noSleep})
			w := post(t, s, chatPath, simpleBody("hi", `"response_format":`+tt.format))
			if w.Code != tt.status {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			if tt.status == 200 {
				return
			}
			e := decodeErr(t, w)
			if !strings.HasPrefix(e.Error.Message, tt.msg) || deref(e.Error.Param) != tt.param {
				t.Errorf("got %q param %s", e.Error.Message, deref(e.Error.Param))
			}
		})
	}
}
