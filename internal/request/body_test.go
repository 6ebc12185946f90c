package request

import (
	"encoding/json"
	"testing"
)

func TestBuildBody(t *testing.T) {
	zero, one := 0.0, 1.0
	n := int64(50)
	seed := int64(7)
	tests := []struct {
		name   string
		model  string
		system string
		p      Params
		want   string
	}{
		{"temperature 0 is sent", "gpt-4o-mini", "", Params{Temperature: &zero},
			`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"temperature":0}`},
		{"unset params are left out", "gpt-4o-mini", "be brief", Params{},
			`{"model":"gpt-4o-mini","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]}`},
		{"max_tokens for chat models", "gpt-4o", "", Params{MaxTokens: &n, TopP: &one, Seed: &seed, Stop: []string{"END"}},
			`{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"max_tokens":50,"top_p":1,"seed":7,"stop":["END"]}`},
		{"max_completion_tokens for reasoning models", "o3-mini", "", Params{MaxTokens: &n},
			`{"model":"o3-mini","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":50}`},
		{"gpt-5 family", "gpt-5-nano-2025-08-07", "", Params{MaxTokens: &n},
			`{"model":"gpt-5-nano-2025-08-07","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":50}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := buildBody(tc.model, tc.system, "hi", tc.p, nil)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Fatalf("body\n got %s\nwant %s", b, tc.want)
			}
			if !json.Valid(b) {
				t.Fatal("invalid JSON")
			}
		})
	}
}

func TestHashBodyIsStable(t *testing.T) {
	a, _ := buildBody("gpt-4o-mini", "", "same", Params{}, nil)
	b, _ := buildBody("gpt-4o-mini", "", "same", Params{}, nil)
	c, _ := buildBody("gpt-4o-mini", "", "other", Params{}, nil)
	if hashBody(a) != hashBody(b) || hashBody(a) == hashBody(c) {
		t.Fatal("hash must follow the body's bytes")
	}
}
