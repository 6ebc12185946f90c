package simulator

import (
	"context"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

func TestStartWithGoOpenAI(t *testing.T) {
	rs, err := Start("127.0.0.1:0", Config{APIKey: "sk-test", RPM: 1000, TPM: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	if !strings.HasPrefix(rs.URL, "http://127.0.0.1:") || !strings.HasSuffix(rs.URL, "/v1") {
		t.Fatalf("URL %q", rs.URL)
	}
	cfg := openai.DefaultConfig("sk-test")
	cfg.BaseURL = rs.URL
	c := openai.NewClientWithConfig(cfg)
	resp, err := c.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
		Model: "gpt-4o-mini", MaxCompletionTokens: 3,
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "Hello there"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Usage.CompletionTokens != 3 || resp.Choices[0].FinishReason != openai.FinishReasonLength {
		t.Errorf("response %+v", resp)
	}
	if rl := resp.GetRateLimitHeaders(); rl.LimitRequests != 1000 || rl.RemainingRequests != 999 || rl.LimitTokens != 1_000_000 {
		t.Errorf("rate-limit headers %+v", rl)
	}
	if resp.Header().Get("x-request-id") == "" {
		t.Error("x-request-id missing")
	}
	models, err := c.ListModels(context.Background())
	if err != nil || len(models.Models) == 0 {
		t.Errorf("models %+v: %v", models, err)
	}
	if err := rs.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := rs.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestStartBadAddress(t *testing.T) {
	if _, err := Start("256.0.0.1:bad", Config{}); err == nil || !strings.Contains(err.Error(), "256.0.0.1:bad") {
		t.Errorf("error %v", err)
	}
}
