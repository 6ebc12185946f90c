package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestClientURL(t *testing.T) {
	tests := []struct {
		ep    Endpoint
		model string
		want  string
	}{
		{Endpoint{BaseURL: "https://api.openai.com/v1/"}, "gpt-4o", "https://api.openai.com/v1/chat/completions"},
		{Endpoint{BaseURL: "https://x.openai.azure.com", Azure: true}, "gpt-4o-mini", "https://x.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions?api-version=" + DefaultAzureAPIVersion},
		{Endpoint{BaseURL: "https://x.openai.azure.com", Azure: true, AzureDeployment: "my dep", AzureAPIVersion: "2025-01-01"}, "gpt-4o", "https://x.openai.azure.com/openai/deployments/my%20dep/chat/completions?api-version=2025-01-01"},
	}
	for _, tc := range tests {
		if got := NewClient(tc.ep, nil, 1).URL(tc.model); got != tc.want {
			t.Errorf("URL = %s, want %s", got, tc.want)
		}
	}
}

func TestClientHeadersAndErrors(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		w.Write([]byte(`{"error":{"message":"Incorrect API key provided: sk-secret-123","type":"invalid_request_error","code":"context_length_exceeded"}}`))
	}))
	defer srv.Close()
	for _, azure := range []bool{false, true} {
		c := NewClient(Endpoint{BaseURL: srv.URL, APIKey: "sk-secret-123", Azure: azure, OrgID: "org-1", ProjectID: "proj-1"}, nil, 1)
		_, err := c.Send(context.Background(), "m", []byte(`{}`))
		var he *HTTPError
		if !errors.As(err, &he) || he.Status != 400 || Classify(err, time.Now()).Kind != "context_length_exceeded" {
			t.Fatalf("err = %v", err)
		}
		if strings.Contains(err.Error(), "sk-secret-123") {
			t.Fatalf("the key leaked into the error: %v", err)
		}
		if azure && got.Get("api-key") != "sk-secret-123" || !azure && got.Get("Authorization") != "Bearer sk-secret-123" {
			t.Fatalf("auth headers %v", got)
		}
		if got.Get("OpenAI-Organization") != "org-1" || got.Get("OpenAI-Project") != "proj-1" {
			t.Fatalf("org/project headers %v", got)
		}
	}
}
