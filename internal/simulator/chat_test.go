package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/budget"
	openai "github.com/sashabaranov/go-openai"
)

func decodeOK(t *testing.T, body []byte) openai.ChatCompletionResponse {
	t.Helper()
	var r openai.ChatCompletionResponse
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return r
}

func TestResponseSchema(t *testing.T) {
	s := New(Config{Sleep: noSleep})
	w := post(t, s, chatPath, simpleBody("What is the capital of France?", ""))
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if id := w.Header().Get("x-request-id"); !strings.HasPrefix(id, "req_") {
		t.Errorf("x-request-id %q", id)
	}
	raw := w.Body.String()
	for _, want := range []string{`"logprobs":null`, `"refusal":null`, `"object":"chat.completion"`,
		`"role":"assistant"`, `"system_fingerprint":"fp_sim`, `"prompt_tokens_details":{"cached_tokens":0`,
		`"completion_tokens_details":{"reasoning_tokens":0`} {
		if !strings.Contains(raw, want) {
			t.Errorf("raw JSON lacks %s: %s", want, raw)
		}
	}
	r := decodeOK(t, w.Body.Bytes())
	if !strings.HasPrefix(r.ID, "chatcmpl-") || r.Model != "gpt-4o-mini" || r.Created == 0 || len(r.Choices) != 1 {
		t.Fatalf("response %+v", r)
	}
	ch := r.Choices[0]
	if ch.FinishReason != openai.FinishReasonStop || ch.Index != 0 {
		t.Errorf("choice %+v", ch)
	}
	if !strings.HasPrefix(ch.Message.Content, "Simulated answer to: What is the capital of France?") {
		t.Errorf("content %q", ch.Message.Content)
	}
	c := budget.NewCounter()
	wantPrompt := c.Chat("gpt-4o-mini", []budget.Message{{Role: "system", Content: "Be brief."},
		{Role: "user", Content: "What is the capital of France?"}})
	u := r.Usage
	if u.PromptTokens != wantPrompt {
		t.Errorf("prompt_tokens %d, want %d", u.PromptTokens, wantPrompt)
	}
	if got := c.Count("gpt-4o-mini", ch.Message.Content); u.CompletionTokens != got {
		t.Errorf("completion_tokens %d, content counts %d", u.CompletionTokens, got)
	}
	if u.CompletionTokens < minReplyTokens || u.CompletionTokens > maxReplyTokens+2 {
		t.Errorf("completion_tokens %d outside the short-reply range", u.CompletionTokens)
	}
	if u.TotalTokens != u.PromptTokens+u.CompletionTokens || u.PromptTokensDetails == nil || u.CompletionTokensDetails == nil {
		t.Errorf("usage %+v", u)
	}
}

func TestDeterminism(t *testing.T) {
	a, b := New(Config{Sleep: noSleep, Seed: 1}), New(Config{Sleep: noSleep, Seed: 2})
	for i := range 20 {
		body := simpleBody(fmt.Sprintf("Summarise record %d please", i), "")
		r1 := decodeOK(t, post(t, a, chatPath, body).Body.Bytes())
		r2 := decodeOK(t, post(t, a, chatPath, body).Body.Bytes())
		r3 := decodeOK(t, post(t, b, chatPath, body).Body.Bytes())
		if r1.Choices[0].Message.Content != r2.Choices[0].Message.Content || usageKey(r1.Usage) != usageKey(r2.Usage) {
			t.Fatalf("row %d: repeat differs", i)
		}
		if r1.Choices[0].Message.Content != r3.Choices[0].Message.Content || r1.Usage.CompletionTokens != r3.Usage.CompletionTokens {
			t.Fatalf("row %d: reply depends on the fault seed", i)
		}
	}
	// Different prompts give different lengths.
	lengths := map[int]bool{}
	for i := range 30 {
		r := decodeOK(t, post(t, a, chatPath, simpleBody(fmt.Sprintf("q%d", i), "")).Body.Bytes())
		lengths[r.Usage.CompletionTokens] = true
	}
	if len(lengths) < 5 {
		t.Errorf("only %d distinct reply lengths over 30 prompts", len(lengths))
	}
}

func TestLengthCap(t *testing.T) {
	s := New(Config{Sleep: noSleep})
	c := budget.NewCounter()
	prompts := []string{"hi", "Translate: 東京は日本の首都です。", "x?!... (weird) punctuation!!!", "",
		"supercalifragilisticexpialidocious antidisestablishmentarianism floccinaucinihilipilification"}
	cut := 0
	for _, model := range []string{"gpt-4o-mini", "gpt-3.5-turbo"} {
		for _, p := range prompts {
			for _, capTok := range []int{1, 2, 3, 4, 7, 12} {
				for _, param := range []string{"max_tokens", "max_completion_tokens"} {
					b, _ := json.Marshal(p)
					body := fmt.Sprintf(`{"model":%q,"messages":[{"role":"user","content":%s}],%q:%d}`, model, b, param, capTok)
					w := post(t, s, chatPath, body)
					if w.Code != 200 {
						t.Fatalf("%s: %d %s", body, w.Code, w.Body)
					}
					r := decodeOK(t, w.Body.Bytes())
					ch := r.Choices[0]
					got := c.Count(model, ch.Message.Content)
					switch {
					case got != r.Usage.CompletionTokens:
						t.Errorf("%s: content %q counts %d, usage says %d", body, ch.Message.Content, got, r.Usage.CompletionTokens)
					case ch.FinishReason == openai.FinishReasonLength && got != capTok:
						t.Errorf("%s: finish length with %d tokens", body, got)
					case ch.FinishReason == openai.FinishReasonStop && (got >= capTok || capTok <= 4):
						// Every reply starts "Simulated answer to:" (5 tokens), so caps up to 4 always cut.
						t.Errorf("%s: finish stop with %d tokens", body, got)
					}
					if ch.FinishReason == openai.FinishReasonLength {
						cut++
					}
				}
			}
		}
	}
	if minCut := 2 * len(prompts) * 4 * 2; cut < minCut { // models × prompts × caps 1-4 × params
		t.Errorf("only %d requests were cut, want at least %d", cut, minCut)
	}
	// A generous cap leaves the reply alone.
	w := post(t, s, chatPath, simpleBody("hi", `"max_tokens":1000`))
	if r := decodeOK(t, w.Body.Bytes()); r.Choices[0].FinishReason != openai.FinishReasonStop {
		t.Errorf("finish %q with a generous cap", r.Choices[0].FinishReason)
	}
}

func TestReasoningModels(t *testing.T) {
	s := New(Config{Sleep: noSleep})
	c := budget.NewCounter()
	body := `{"model":"gpt-5-mini","messages":[{"role":"user","content":"think"}]}`
	r := decodeOK(t, post(t, s, chatPath, body).Body.Bytes())
	d := r.Usage.CompletionTokensDetails
	if d == nil || d.ReasoningTokens < minReasoningTokens || d.ReasoningTokens > maxReasoningTokens {
		t.Fatalf("reasoning tokens %+v", d)
	}
	if want := d.ReasoningTokens + c.Count("gpt-5-mini", r.Choices[0].Message.Content); r.Usage.CompletionTokens != want {
		t.Errorf("completion_tokens %d, want reasoning + visible = %d", r.Usage.CompletionTokens, want)
	}
	// A cap below the reasoning: all thinking, no text.
	body = `{"model":"o4-mini","messages":[{"role":"user","content":"think"}],"max_completion_tokens":10}`
	r = decodeOK(t, post(t, s, chatPath, body).Body.Bytes())
	if r.Usage.CompletionTokens != 10 || r.Choices[0].Message.Content != "" || r.Choices[0].FinishReason != "length" ||
		r.Usage.CompletionTokensDetails.ReasoningTokens != 10 {
		t.Errorf("tiny cap: %+v %+v", r.Usage, r.Choices[0])
	}
}

func TestMultipleChoices(t *testing.T) {
	s := New(Config{Sleep: noSleep})
	r := decodeOK(t, post(t, s, chatPath, simpleBody("pick", `"n":3`)).Body.Bytes())
	if len(r.Choices) != 3 {
		t.Fatalf("%d choices", len(r.Choices))
	}
	c, sum := budget.NewCounter(), 0
	for i, ch := range r.Choices {
		if ch.Index != i {
			t.Errorf("choice %d has index %d", i, ch.Index)
		}
		sum += c.Count("gpt-4o-mini", ch.Message.Content)
	}
	if r.Usage.CompletionTokens != sum {
		t.Errorf("completion_tokens %d, choices sum to %d", r.Usage.CompletionTokens, sum)
	}
}

func TestAzureRoute(t *testing.T) {
	s := New(Config{Sleep: noSleep, APIKey: "k1"})
	w := post(t, s, "/openai/deployments/my-4o/chat/completions?api-version=2024-06-01",
		`{"messages":[{"role":"user","content":"hi"}]}`, "api-key", "k1")
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if r := decodeOK(t, w.Body.Bytes()); r.Model != "my-4o" {
		t.Errorf("model %q, want the deployment name", r.Model)
	}
}

func TestAuth(t *testing.T) {
	s := New(Config{Sleep: noSleep, APIKey: "sk-secret"})
	tests := []struct {
		name string
		hdr  []string
		code int
	}{
		{"bearer", []string{"Authorization", "Bearer sk-secret"}, 200},
		{"api-key", []string{"api-key", "sk-secret"}, 200},
		{"wrong", []string{"Authorization", "Bearer sk-wrong"}, 401},
		{"missing", nil, 401},
		{"not bearer", []string{"Authorization", "Basic sk-secret"}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := post(t, s, chatPath, simpleBody("hi", ""), tt.hdr...)
			if w.Code != tt.code {
				t.Fatalf("status %d, want %d", w.Code, tt.code)
			}
			if tt.code == 401 {
				e := decodeErr(t, w)
				if deref(e.Error.Code) != "invalid_api_key" || strings.Contains(w.Body.String(), "sk-") {
					t.Errorf("body %s", w.Body)
				}
			}
		})
	}
}

func TestInsufficientQuota(t *testing.T) {
	s := New(Config{Sleep: noSleep, InsufficientQuota: true, RPM: 60})
	w := post(t, s, chatPath, simpleBody("hi", ""))
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("status %d", w.Code)
	}
	e := decodeErr(t, w)
	if deref(e.Error.Code) != "insufficient_quota" || e.Error.Type != "insufficient_quota" {
		t.Errorf("error %+v", e.Error)
	}
	if w.Header().Get("Retry-After") != "" || w.Header().Get("x-ratelimit-limit-requests") != "60" {
		t.Errorf("headers %v", w.Header())
	}
	if st := s.Stats(); st.InsufficientQuota != 1 || st.RateLimited != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestModelsEndpoint(t *testing.T) {
	s := New(Config{Models: []string{"a", "b"}})
	r := httptestGet(t, s, "/v1/models")
	var list openai.ModelsList
	if err := json.Unmarshal(r, &list); err != nil || len(list.Models) != 2 || list.Models[1].ID != "b" {
		t.Fatalf("list %s: %v", r, err)
	}
}

func TestRequestLog(t *testing.T) {
	var buf bytes.Buffer
	s := New(Config{Sleep: noSleep, RequestLog: &buf})
	post(t, s, chatPath, simpleBody("one", ""))
	post(t, s, chatPath, simpleBody("one", ""))
	post(t, s, chatPath, "not json")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines: %s", len(lines), buf.String())
	}
	type line struct {
		T                string          `json:"t"`
		Hash             string          `json:"hash"`
		Attempt          int64           `json:"attempt"`
		Status           int             `json:"status"`
		Body             json.RawMessage `json:"body"`
		PromptTokens     int64           `json:"prompt_tokens"`
		CompletionTokens int64           `json:"completion_tokens"`
	}
	var ls []line
	for _, l := range lines {
		var x line
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		ls = append(ls, x)
	}
	if ls[0].Hash != ls[1].Hash || ls[0].Attempt != 1 || ls[1].Attempt != 2 || ls[0].Status != 200 ||
		ls[0].PromptTokens == 0 || ls[0].CompletionTokens == 0 || ls[0].T == "" {
		t.Errorf("lines %+v", ls[:2])
	}
	if !bytes.Contains(ls[0].Body, []byte(`"content":"one"`)) {
		t.Errorf("body %s", ls[0].Body)
	}
	if ls[2].Status != 400 || string(ls[2].Body) != `"not json"` {
		t.Errorf("invalid line %+v", ls[2])
	}
	st := s.Stats()
	if st.Requests != 3 || st.OK != 2 || st.PromptTokens != 2*ls[0].PromptTokens || st.CompletionTokens != 2*ls[0].CompletionTokens {
		t.Errorf("stats %+v", st)
	}
}

func usageKey(u openai.Usage) string {
	return fmt.Sprint(u.PromptTokens, u.CompletionTokens, u.TotalTokens, *u.PromptTokensDetails, *u.CompletionTokensDetails)
}
