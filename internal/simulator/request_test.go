package simulator

import (
	"net/http"
	"strings"
	"testing"
)

func TestValidationErrors(t *testing.T) {
	long := strings.Repeat("word ", 9000) // > gpt-4's 8,192-token window
	tests := []struct {
		name, path, body   string
		status             int
		param, code, inMsg string
	}{
		{"not json", chatPath, `{"model":`, 400, "<null>", "<null>", "parse the JSON"},
		{"json array", chatPath, `[1,2]`, 400, "<null>", "<null>", "parse the JSON"},
		{"trailing data", chatPath, `{"model":"x","messages":[{"role":"user","content":"a"}]} {}`, 400, "<null>", "<null>", "parse"},
		{"missing model", chatPath, `{"messages":[{"role":"user","content":"hi"}]}`, 400, "<null>", "<null>", "model parameter"},
		{"model not string", chatPath, `{"model":3,"messages":[{"role":"user","content":"hi"}]}`, 400, "model", "invalid_type", "expected a string"},
		{"missing messages", chatPath, `{"model":"gpt-4o-mini"}`, 400, "messages", "missing_required_parameter", "messages"},
		{"empty messages", chatPath, `{"model":"gpt-4o-mini","messages":[]}`, 400, "messages", "empty_array", "empty array"},
		{"message not object", chatPath, `{"model":"gpt-4o-mini","messages":["hi"]}`, 400, "messages[0]", "invalid_type", "object"},
		{"bad role", chatPath, `{"model":"gpt-4o-mini","messages":[{"role":"robot","content":"hi"}]}`, 400, "messages[0].role", "invalid_value", "'robot'"},
		{"missing role", chatPath, `{"model":"gpt-4o-mini","messages":[{"content":"hi"}]}`, 400, "messages[0].role", "missing_required_parameter", "role"},
		{"bad content", chatPath, `{"model":"gpt-4o-mini","messages":[{"role":"user","content":5}]}`, 400, "messages[0].content", "invalid_type", "number"},
		{"temperature high", chatPath, simpleBody("hi", `"temperature":2.5`), 400, "temperature", "decimal_above_max_value", "<= 2"},
		{"temperature low", chatPath, simpleBody("hi", `"temperature":-0.1`), 400, "temperature", "decimal_below_min_value", ">= 0"},
		{"temperature string", chatPath, simpleBody("hi", `"temperature":"hot"`), 400, "temperature", "invalid_type", "decimal"},
		{"top_p high", chatPath, simpleBody("hi", `"top_p":1.5`), 400, "top_p", "decimal_above_max_value", "<= 1"},
		{"max_tokens zero", chatPath, simpleBody("hi", `"max_tokens":0`), 400, "max_tokens", "integer_below_min_value", ">= 1"},
		{"max_completion_tokens negative", chatPath, simpleBody("hi", `"max_completion_tokens":-5`), 400, "max_completion_tokens", "integer_below_min_value", "-5"},
		{"max_tokens fractional", chatPath, simpleBody("hi", `"max_tokens":1.5`), 400, "max_tokens", "invalid_type", "integer"},
		{"max_tokens above model", chatPath, simpleBody("hi", `"max_tokens":20000`), 400, "max_tokens", "invalid_value", "16384"},
		{"max_tokens huge", chatPath, simpleBody("hi", `"max_tokens":9000000000`), 400, "max_tokens", "integer_above_max_value", "<= 2147483647"},
		{"max_completion_tokens above model", chatPath, simpleBody("hi", `"max_completion_tokens":20000`), 400, "max_completion_tokens", "invalid_value", "max_completion_tokens is too large"},
		{"n too big", chatPath, simpleBody("hi", `"n":129`), 400, "n", "integer_above_max_value", "128"},
		{"stream", chatPath, simpleBody("hi", `"stream":true`), 400, "stream", "unsupported_value", "stream"},
		{"context window", chatPath, `{"model":"gpt-4","messages":[{"role":"user","content":"` + long + `"}]}`, 400, "messages", "context_length_exceeded", "maximum context length is 8192"},
		{"unknown path", "/v1/completions", simpleBody("hi", ""), 404, "<null>", "<null>", "Invalid URL"},
		{"bad azure path", "/openai/deployments//chat/completions", simpleBody("hi", ""), 404, "<null>", "<null>", "Invalid URL"},
	}
	s := New(Config{Sleep: noSleep})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := post(t, s, tt.path, tt.body)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d; body %s", w.Code, tt.status, w.Body)
			}
			e := decodeErr(t, w)
			if e.Error.Type != "invalid_request_error" {
				t.Errorf("type %q", e.Error.Type)
			}
			if got := deref(e.Error.Param); got != tt.param {
				t.Errorf("param %q, want %q", got, tt.param)
			}
			if got := deref(e.Error.Code); got != tt.code {
				t.Errorf("code %q, want %q", got, tt.code)
			}
			if !strings.Contains(e.Error.Message, tt.inMsg) {
				t.Errorf("message %q lacks %q", e.Error.Message, tt.inMsg)
			}
			if !strings.Contains(w.Body.String(), `"param":`) || !strings.Contains(w.Body.String(), `"code":`) {
				t.Errorf("body %s must carry param and code, null or not", w.Body)
			}
		})
	}
	if st := s.Stats(); st.Invalid != int64(len(tests)-2) || st.OK != 0 {
		t.Errorf("stats %+v: want %d invalid (404 paths are not chat requests)", st, len(tests)-2)
	}
}

func TestAcceptedRequests(t *testing.T) {
	tests := []struct{ name, body string }{
		{"unknown fields kept", simpleBody("hi", `"foo":{"bar":1},"seed":4,"user":"u1"`)},
		{"temperature bounds", simpleBody("hi", `"temperature":0,"top_p":1`)},
		{"temperature two", simpleBody("hi", `"temperature":2`)},
		{"null params", simpleBody("hi", `"temperature":null,"max_tokens":null,"stream":false`)},
		{"content parts", `{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"hello"},{"type":"image_url","image_url":{"url":"x"}}]}]}`},
		{"null assistant content", `{"model":"gpt-4o","messages":[{"role":"user","content":"a"},{"role":"assistant","content":null},{"role":"tool","content":"b"}]}`},
		{"developer role and name", `{"model":"o3","messages":[{"role":"developer","content":"a","name":"bob"},{"role":"user","content":"b"}]}`},
		{"unknown model", `{"model":"my-local-llama","messages":[{"role":"user","content":"a"}]}`},
		{"unknown model big cap", `{"model":"my-local-llama","messages":[{"role":"user","content":"a"}],"max_tokens":100000}`},
		{"dated model", `{"model":"gpt-4o-mini-2024-07-18","messages":[{"role":"user","content":"a"}],"max_tokens":16384}`},
	}
	s := New(Config{Sleep: noSleep})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if w := post(t, s, chatPath, tt.body); w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
		})
	}
}

func TestModelAllowList(t *testing.T) {
	s := New(Config{Sleep: noSleep, Models: []string{"gpt-4o-mini"}})
	if w := post(t, s, chatPath, simpleBody("hi", "")); w.Code != 200 {
		t.Fatalf("allowed model: status %d", w.Code)
	}
	w := post(t, s, chatPath, `{"model":"gpt-4o","messages":[{"role":"user","content":"a"}]}`)
	if w.Code != http.StatusNotFound {
		t.Fatalf("status %d, want 404", w.Code)
	}
	if e := decodeErr(t, w); deref(e.Error.Code) != "model_not_found" || deref(e.Error.Param) != "model" {
		t.Errorf("error %+v", e.Error)
	}
}

func TestCanonicalHash(t *testing.T) {
	a, e1 := parseChat([]byte(`{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":1}`), "")
	b, e2 := parseChat([]byte("{ \"temperature\":1,\n \"messages\":[{\"content\":\"x\",\"role\":\"user\"}], \"model\":\"m\"}"), "")
	c, e3 := parseChat([]byte(`{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":0.5}`), "")
	if e1 != nil || e2 != nil || e3 != nil {
		t.Fatal(e1, e2, e3)
	}
	if a.hash != b.hash {
		t.Error("key order or whitespace changed the hash")
	}
	if a.hash == c.hash {
		t.Error("different temperature gave the same hash")
	}
	d, _ := parseChat([]byte(`{"messages":[{"role":"user","content":"x"}],"temperature":1}`), "m")
	if d == nil || d.hash != a.hash || d.model != "m" {
		t.Error("Azure deployment name should stand in for a missing model")
	}
}
