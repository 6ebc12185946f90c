package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A server that echoes the request's headers must not make the key part of
// anything the client returns (issue 13, item 7).
func TestKeyNeverLeavesTheClient(t *testing.T) {
	const key = "sk-test-SECRET123"
	for _, tc := range []struct {
		name   string
		status int
		body   func(auth string) string
	}{
		{"500 text", 500, func(a string) string { return "upstream said: Authorization: " + a }},
		{"400 json", 400, func(a string) string {
			return fmt.Sprintf(`{"error":{"message":"bad header %s","type":"invalid_request_error","code":"x"}}`, a)
		}},
		{"200 echo", 200, func(a string) string {
			return fmt.Sprintf(`{"id":"c","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"you sent %s"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`, a)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body(r.Header.Get("Authorization")))
			}))
			defer srv.Close()
			c := NewClient(Endpoint{BaseURL: srv.URL, APIKey: key}, nil, 1)
			resp, err := c.Send(context.Background(), "m", []byte(`{}`))
			var seen []string
			if err != nil {
				seen = append(seen, err.Error())
				var he *HTTPError
				if errors.As(err, &he) {
					seen = append(seen, string(he.Body))
				}
			}
			if resp != nil {
				seen = append(seen, string(resp.Body), resp.Completion.Choices[0].Message.Content)
			}
			if len(seen) == 0 {
				t.Fatal("nothing came back")
			}
			for _, s := range seen {
				if strings.Contains(s, key) {
					t.Errorf("the key leaked: %q", s)
				}
			}
		})
	}
}
