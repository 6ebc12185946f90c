package request

import (
	"strings"
	"testing"
)

func TestRenderEmbeddings(t *testing.T) {
	long := strings.Repeat("word ", 9000) // about 9,000 tokens
	base := Config{Model: "text-embedding-3-small", Template: "{{.text}}", Endpoint: EndpointEmbeddings}
	tests := []struct {
		name       string
		cfg        func(Config) Config
		text       string
		wantKind   string // "" = sendable
		wantBody   string // part of the body, or of the error message
		wantFinish string
	}{
		{"text is the rendered template, always base64", func(c Config) Config { return c }, "hello world", "",
			`{"model":"text-embedding-3-small","input":["hello world"],"encoding_format":"base64"}`, ""},
		{"dimensions are sent", func(c Config) Config { c.Dimensions = 256; return c }, "hi", "", `"dimensions":256`, ""},
		{"an empty text is an error row", func(c Config) Config { return c }, "", "empty_input", "empty", ""},
		{"a text over the limit is an error row", func(c Config) Config { return c }, long, "too_long",
			"the embeddings API takes at most 8192 per input (--truncate cuts it)", ""},
		{"--truncate cuts it and says so", func(c Config) Config { c.Truncate = true; return c }, long, "",
			`"input":["word word`, FinishTruncated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := New(tc.cfg(base))
			if err != nil {
				t.Fatal(err)
			}
			p := r.Render(rec("text", tc.text), 0)
			if tc.wantKind != "" {
				if p.Err == nil || p.Err.Kind != tc.wantKind || !strings.Contains(p.Err.Msg, tc.wantBody) {
					t.Fatalf("Err = %+v, want kind %q saying %q", p.Err, tc.wantKind, tc.wantBody)
				}
				return
			}
			if p.Err != nil || !strings.Contains(string(p.Body), tc.wantBody) {
				t.Fatalf("Render = %s, %+v; want a body holding %s", p.Body, p.Err, tc.wantBody)
			}
			if p.Tokens <= 0 || p.Tokens > 8192 || p.Charge != p.Tokens || p.Finish != tc.wantFinish {
				t.Fatalf("tokens %d charge %d finish %q", p.Tokens, p.Charge, p.Finish)
			}
			if tc.wantFinish != "" && !strings.Contains(p.Note, "to 8192 tokens") {
				t.Fatalf("note %q does not say where it was cut", p.Note)
			}
			r.Count(&p)
			if p.Charge != p.Tokens {
				t.Fatalf("Count changed the charge of an embeddings row: %d for %d tokens", p.Charge, p.Tokens)
			}
		})
	}
}

func TestRenderEmbeddingsCountsInCl100k(t *testing.T) {
	r, err := New(Config{Model: "text-embedding-3-small", PromptColumn: "text", Endpoint: EndpointEmbeddings})
	if err != nil {
		t.Fatal(err)
	}
	// "hello world" is 2 tokens in cl100k_base, with no chat overhead.
	if p := r.Render(rec("text", "hello world"), 0); p.Tokens != 2 {
		t.Fatalf("%d tokens, want 2", p.Tokens)
	}
}

func TestNewRefusesBadEmbeddingsConfig(t *testing.T) {
	for _, cfg := range []Config{
		{Model: "text-embedding-ada-002", Template: "x", Endpoint: EndpointEmbeddings, Dimensions: 256},
		{Model: "text-embedding-3-small", Template: "x", Endpoint: EndpointEmbeddings, Dimensions: 4096},
		{Model: "text-embedding-3-small", Template: "x", Endpoint: EndpointEmbeddings, Dimensions: -1},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted it", cfg)
		}
	}
}

func TestBatchEmbeddingLineTokens(t *testing.T) {
	r, err := New(Config{Model: "text-embedding-3-small", Batch: true, IDColumn: "custom_id"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		input string
		want  int64 // -1: refused
	}{
		{`"hello world"`, 2},
		{`["hello world", "hi"]`, 3},
		{`[1, 2, 3]`, 3},
		{`[[1, 2], [3]]`, 3},
		{`[]`, -1},
		{`42`, -1},
	}
	for _, tc := range tests {
		p := r.Render(rec("custom_id", "x", "method", "POST", "url", "/v1/embeddings", "body", `{"input":`+tc.input+`}`), 0)
		if tc.want < 0 {
			if p.Err == nil {
				t.Errorf("input %s accepted", tc.input)
			}
			continue
		}
		r.Count(&p)
		if p.Err != nil || p.Tokens != tc.want || p.Charge != tc.want || p.Endpoint != EndpointEmbeddings {
			t.Errorf("input %s: tokens %d charge %d endpoint %q err %+v; want %d", tc.input, p.Tokens, p.Charge, p.Endpoint, p.Err, tc.want)
		}
	}
}
