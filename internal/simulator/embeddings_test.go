package simulator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/embed"
	openai "github.com/sashabaranov/go-openai"
)

const embedPath = "/v1/embeddings"

type embedAnswer struct {
	Object string `json:"object"`
	Data   []struct {
		Object    string          `json:"object"`
		Index     int             `json:"index"`
		Embedding json.RawMessage `json:"embedding"`
	} `json:"data"`
	Model string      `json:"model"`
	Usage embed.Usage `json:"usage"`
}

// tokenArray returns a JSON token array of n ids.
func tokenArray(n int) string {
	return "[" + strings.TrimSuffix(strings.Repeat("15339,", n), ",") + "]"
}

func TestEmbeddingsAnswers(t *testing.T) {
	counter := budget.NewCounter()
	tests := []struct {
		name   string
		body   string
		texts  []string // expected inputs in order; "#n" means a token array of n ids 15339
		dims   int
		tokens int64
	}{
		{"one string", `{"model":"text-embedding-3-small","input":"hello world"}`, []string{"hello world"}, 1536, 0},
		{"strings", `{"model":"text-embedding-3-small","input":["a","b c","d"]}`, []string{"a", "b c", "d"}, 1536, 0},
		{"large default", `{"model":"text-embedding-3-large","input":["x"]}`, []string{"x"}, 3072, 0},
		{"ada default", `{"model":"text-embedding-ada-002","input":["x"],"dimensions":null}`, []string{"x"}, 1536, 0},
		{"dimensions", `{"model":"text-embedding-3-small","input":["x"],"dimensions":256}`, []string{"x"}, 256, 0},
		{"unknown model", `{"model":"my-embedder","input":["x"]}`, []string{"x"}, 1536, 0},
		{"base64", `{"model":"text-embedding-3-small","input":["p","q"],"encoding_format":"base64","dimensions":8}`, []string{"p", "q"}, 8, 0},
		{"one token array", `{"model":"text-embedding-3-small","input":` + tokenArray(3) + `}`, []string{"#3"}, 1536, 3},
		{"token arrays", `{"model":"text-embedding-3-small","input":[` + tokenArray(2) + `,` + tokenArray(5) + `]}`, []string{"#2", "#5"}, 1536, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Config{Sleep: noSleep})
			w := post(t, s, embedPath, tc.body)
			if w.Code != http.StatusOK {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			var a embedAnswer
			if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
				t.Fatal(err)
			}
			var fields struct{ Model string }
			_ = json.Unmarshal([]byte(tc.body), &fields)
			if a.Object != "list" || a.Model != fields.Model || len(a.Data) != len(tc.texts) {
				t.Fatalf("answer %s", w.Body)
			}
			vecs, _, err := embed.DecodeResponse(w.Body.Bytes(), len(tc.texts), tc.dims)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.tokens
			for i, text := range tc.texts {
				exp := EmbeddingFor(text, tc.dims)
				if n, ok := strings.CutPrefix(text, "#"); ok {
					var k int
					_, _ = fmt.Sscan(n, &k)
					ids := make([]int64, k)
					for j := range ids {
						ids[j] = 15339
					}
					exp = EmbeddingForTokens(ids, tc.dims)
				} else {
					want += int64(counter.Count(fields.Model, text))
				}
				if a.Data[i].Index != i || a.Data[i].Object != "embedding" || fmt.Sprint(vecs[i]) != fmt.Sprint(exp) {
					t.Errorf("input %d: index %d, vector differs from EmbeddingFor", i, a.Data[i].Index)
				}
			}
			if a.Usage.PromptTokens != want || a.Usage.TotalTokens != want {
				t.Errorf("usage %+v, want %d tokens", a.Usage, want)
			}
			if st := s.Stats(); st.OK != 1 || st.PromptTokens != want {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestEmbeddingsRefusals(t *testing.T) {
	many := `["` + strings.TrimSuffix(strings.Repeat(`x","`, 2049), `","`) + `"]`
	over := "[" + strings.TrimSuffix(strings.Repeat(tokenArray(8192)+",", 37), ",") + "]" // 303,104 tokens
	tests := []struct {
		name, body             string
		status                 int
		typ, param, code, text string
	}{
		{"not JSON", `{`, 400, "invalid_request_error", "<null>", "<null>", "could not parse"},
		{"no model", `{"input":"x"}`, 400, "invalid_request_error", "<null>", "<null>", "must provide a model"},
		{"no input", `{"model":"text-embedding-3-small"}`, 400, "invalid_request_error", "input", "missing_required_parameter", "'input'"},
		{"empty string", `{"model":"text-embedding-3-small","input":""}`, 400, "invalid_request_error", "<null>", "<null>", "'$.input' is invalid"},
		{"empty array", `{"model":"text-embedding-3-small","input":[]}`, 400, "invalid_request_error", "<null>", "<null>", "'$.input' is invalid"},
		{"an empty string among others", `{"model":"text-embedding-3-small","input":["a",""]}`, 400, "invalid_request_error", "<null>", "<null>", "'$.input' is invalid"},
		{"an empty token array", `{"model":"text-embedding-3-small","input":[[1],[]]}`, 400, "invalid_request_error", "<null>", "<null>", "'$.input' is invalid"},
		{"mixed token array", `{"model":"text-embedding-3-small","input":[1,"a"]}`, 400, "invalid_request_error", "<null>", "<null>", "'$.input' is invalid"},
		{"negative token", `{"model":"text-embedding-3-small","input":[-1]}`, 400, "invalid_request_error", "<null>", "<null>", "'$.input' is invalid"},
		{"object input", `{"model":"text-embedding-3-small","input":{"a":1}}`, 400, "invalid_request_error", "<null>", "<null>", "'$.input' is invalid"},
		{"2049 inputs", `{"model":"text-embedding-3-small","input":` + many + `}`, 400, "invalid_request_error", "input", "array_above_max_length", "maximum length 2048, but got an array with length 2049"},
		{"ada with dimensions", `{"model":"text-embedding-ada-002","input":"x","dimensions":512}`, 400, "invalid_request_error", "<null>", "<null>", "This model does not support specifying dimensions."},
		{"dimensions above native", `{"model":"text-embedding-3-small","input":"x","dimensions":1537}`, 400, "invalid_request_error", "dimensions", "integer_above_max_value", "<= 1536"},
		{"dimensions zero", `{"model":"text-embedding-3-small","input":"x","dimensions":0}`, 400, "invalid_request_error", "dimensions", "integer_below_min_value", ">= 1"},
		{"bad encoding_format", `{"model":"text-embedding-3-small","input":"x","encoding_format":"int8"}`, 400, "invalid_request_error", "encoding_format", "invalid_value", "'int8'"},
		{"input over 8192 tokens", `{"model":"text-embedding-3-small","input":` + tokenArray(8193) + `}`, 400, "invalid_request_error", "<null>", "<null>",
			"maximum context length is 8192 tokens, however you requested 8193 tokens"},
		{"request over 300,000 tokens", `{"model":"text-embedding-3-small","input":` + over + `}`, 400, "max_tokens_per_request", "<null>", "max_tokens_per_request",
			"Requested 303104 tokens, max 300000 tokens per request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Config{Sleep: noSleep})
			w := post(t, s, embedPath, tc.body)
			e := decodeErr(t, w)
			if w.Code != tc.status || e.Error.Type != tc.typ || deref(e.Error.Param) != tc.param ||
				deref(e.Error.Code) != tc.code || !strings.Contains(e.Error.Message, tc.text) {
				t.Errorf("got %d %s", w.Code, w.Body)
			}
			if st := s.Stats(); st.Invalid != 1 || st.OK != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestEmbeddingsRouting(t *testing.T) {
	s := New(Config{Sleep: noSleep, Models: []string{"text-embedding-3-small"}})
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, embedPath, nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", w.Code)
	}
	if w := post(t, s, "/embeddings/", `{"model":"text-embedding-3-small","input":"x"}`); w.Code != 200 {
		t.Errorf("/embeddings/: %d %s", w.Code, w.Body)
	}
	if w := post(t, s, embedPath, `{"model":"text-embedding-3-large","input":"x"}`); w.Code != 404 || deref(decodeErr(t, w).Error.Code) != "model_not_found" {
		t.Errorf("model outside the allow-list: %d %s", w.Code, w.Body)
	}
	k := New(Config{Sleep: noSleep, APIKey: "sk-right"})
	if w := post(t, k, embedPath, `{"model":"text-embedding-3-small","input":"x"}`, "Authorization", "Bearer sk-wrong"); w.Code != 401 ||
		strings.Contains(w.Body.String(), "sk-") {
		t.Errorf("bad key: %d %s", w.Code, w.Body)
	}
}

// RPM counts the request and TPM its input tokens, no output allowance.
func TestEmbeddingsRateLimits(t *testing.T) {
	clock := newFakeClock()
	s := New(Config{Sleep: noSleep, Now: clock.Now, RPM: 60, TPM: 1000, BucketSeconds: 60})
	body := func(n int) string { return `{"model":"text-embedding-3-small","input":` + tokenArray(n) + `}` }
	w := post(t, s, embedPath, body(600))
	if w.Code != 200 || w.Header().Get("x-ratelimit-remaining-tokens") != "400" || w.Header().Get("x-ratelimit-remaining-requests") != "59" {
		t.Fatalf("first: %d remaining tokens %s requests %s", w.Code, w.Header().Get("x-ratelimit-remaining-tokens"), w.Header().Get("x-ratelimit-remaining-requests"))
	}
	w = post(t, s, embedPath, body(500))
	if e := decodeErr(t, w); w.Code != 429 || e.Error.Type != "tokens" || w.Header().Get("Retry-After") == "" {
		t.Fatalf("over TPM: %d %s", w.Code, w.Body)
	}
	clock.Advance(6e9) // 6 s refill 100 tokens
	if w = post(t, s, embedPath, body(500)); w.Code != 200 {
		t.Fatalf("after refill: %d %s", w.Code, w.Body)
	}
	if st := s.Stats(); st.OK != 2 || st.RateLimited != 1 || st.PromptTokens != 1100 {
		t.Errorf("stats %+v", st)
	}
}

func TestEmbeddingsFaults(t *testing.T) {
	body := `{"model":"text-embedding-3-small","input":["a","b"]}`
	tests := []struct {
		name   string
		faults Faults
		status int
		check  func(string) bool
	}{
		{"500", Faults{Err500: 1}, 500, func(b string) bool { return strings.Contains(b, `"server_error"`) }},
		{"502", Faults{Err502HTML: 1}, 502, func(b string) bool { return strings.HasPrefix(b, "<html>") }},
		{"503", Faults{Err503: 1}, 503, func(b string) bool { return strings.Contains(b, "overloaded") }},
		{"truncated", Faults{Truncated: 1}, 200, func(b string) bool { return !json.Valid([]byte(b)) && strings.HasPrefix(b, `{"object":"list"`) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Config{Sleep: noSleep, Faults: tc.faults})
			w := post(t, s, embedPath, body)
			if w.Code != tc.status || !tc.check(w.Body.String()) {
				t.Errorf("%d %.80s", w.Code, w.Body)
			}
			if st := s.Stats(); st.OK != 0 || st.Faults == (FaultStats{}) {
				t.Errorf("stats %+v", st)
			}
		})
	}
	t.Run("reset", func(t *testing.T) {
		s := New(Config{Sleep: noSleep, Faults: Faults{Reset: 1}})
		ts := httptest.NewServer(s)
		defer ts.Close()
		resp, err := http.Post(ts.URL+embedPath, "application/json", strings.NewReader(body))
		if err == nil {
			resp.Body.Close()
			t.Fatalf("want a connection error, got %s", resp.Status)
		}
		if s.Stats().Faults.Reset != 1 {
			t.Errorf("stats %+v", s.Stats())
		}
	})
	t.Run("hang until the client gives up", func(t *testing.T) {
		s := New(Config{Sleep: noSleep, Faults: Faults{Hang: 1}})
		ts := httptest.NewServer(s)
		defer ts.Close()
		defer s.Release()
		ctx, cancel := context.WithCancel(context.Background())
		s.onHang = cancel
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+embedPath, strings.NewReader(body))
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			t.Fatalf("want the cancelled request to fail, got %s", resp.Status)
		}
	})
}

// A real client library reads the simulator's answers, base64 included.
func TestEmbeddingsWithGoOpenAI(t *testing.T) {
	s := New(Config{Sleep: noSleep})
	ts := httptest.NewServer(s)
	defer ts.Close()
	cfg := openai.DefaultConfig("k")
	cfg.BaseURL = ts.URL + "/v1"
	for _, format := range []openai.EmbeddingEncodingFormat{openai.EmbeddingEncodingFormatFloat, openai.EmbeddingEncodingFormatBase64} {
		resp, err := openai.NewClientWithConfig(cfg).CreateEmbeddings(context.Background(), openai.EmbeddingRequest{
			Input: []string{"first", "second"}, Model: openai.SmallEmbedding3, EncodingFormat: format, Dimensions: 64})
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if len(resp.Data) != 2 || fmt.Sprint(resp.Data[1].Embedding) != fmt.Sprint(EmbeddingFor("second", 64)) || resp.Usage.PromptTokens != 2 {
			t.Errorf("%s: %+v", format, resp.Usage)
		}
	}
}
