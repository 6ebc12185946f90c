package pipelinetest

import (
	"net/http"
	"strings"
	"testing"
)

func TestNewServerRejectsBadFaults(t *testing.T) {
	for _, f := range []Faults{{ServerError: -0.1}, {Reset: 1.5}, {ServerError: 0.6, Overloaded: 0.6}} {
		if s, err := NewServer(Config{Faults: f}); err == nil {
			_ = s.Close()
			t.Errorf("faults %+v: no error", f)
		}
	}
}

// chat sends one small chat completion with key (if any) and returns the status.
func chat(t *testing.T, s *Server, key string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/chat/completions",
		strings.NewReader(`{"model":"gpt-4o-mini","max_tokens":20,"messages":[{"role":"user","content":"Hello"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestServerCounts(t *testing.T) {
	// At 1 RPM the first request is answered and the next ones, well
	// within the following minute, get 429.
	s, err := NewServer(Config{APIKey: "sk-test", RPM: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if code := chat(t, s, "sk-wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong key: status %d", code)
	}
	codes := map[int]int{}
	for range 3 {
		codes[chat(t, s, "sk-test")]++
	}
	if codes[200] != 1 || codes[429] != 2 {
		t.Errorf("statuses %v, want 1 OK then 2 rate-limited", codes)
	}
	st := s.Stats()
	if st.Requests != 4 || st.OK != 1 || st.RateLimited != 2 || st.Rejected != 1 || st.PromptTokens == 0 || st.CompletionTokens == 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestServerFaults(t *testing.T) {
	s, err := NewServer(Config{Faults: Faults{ServerError: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if code := chat(t, s, ""); code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", code)
	}
	if st := s.Stats(); st.ServerErrors != 1 || st.OK != 0 {
		t.Errorf("stats %+v", st)
	}
}
