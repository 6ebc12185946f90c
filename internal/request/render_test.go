package request

import (
	"errors"
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/readers"
)

func TestRender(t *testing.T) {
	pos := readers.Position{File: "in.jsonl", Line: 3, Row: 2, FileRow: 2}
	withPos := func(r readers.Record) readers.Record { r.Pos = pos; return r }
	tests := []struct {
		name     string
		cfg      Config
		rec      readers.Record
		wantKind string // "" = sendable
		wantMsg  string // part of the message or of the body
		wantKey  string
	}{
		{"template", Config{Model: "gpt-4o-mini", Template: "Say {{.text}}"}, rec("text", "hi"), "",
			`"content":"Say hi"`, "in.jsonl#2"},
		{"id column keys the row", Config{Model: "gpt-4o-mini", Template: "{{.text}}", IDColumn: "id"}, rec("id", "7", "text", "x"), "",
			`"content":"x"`, "id:7"},
		{"empty id", Config{Model: "gpt-4o-mini", Template: "{{.text}}", IDColumn: "id"}, rec("id", "", "text", "x"), "id",
			`in.jsonl:3: id column "id" is empty`, "in.jsonl#2"},
		{"missing column with .name", Config{Model: "m", Template: "{{.nope}}"}, rec("text", "x"), "render",
			`column "nope" is missing from this row`, "in.jsonl#2"},
		{"missing column with index", Config{Model: "m", Template: `{{index . "no such"}}`}, rec("text", "x"), "render",
			`column "no such" is missing from this row`, "in.jsonl#2"},
		{"index of a present column", Config{Model: "m", Template: `{{index . "first name"}}!`}, rec("first name", "Ada"), "",
			`"content":"Ada!"`, "in.jsonl#2"},
		{"system is a template", Config{Model: "m", Template: "{{.text}}", System: "You speak {{.lang}}."}, rec("text", "x", "lang", "Welsh"), "",
			`{"role":"system","content":"You speak Welsh."}`, "in.jsonl#2"},
		{"system names a missing column", Config{Model: "m", Template: "{{.text}}", System: "{{.lang}}"}, rec("text", "x"), "render",
			`system message: template: column "lang" is missing`, "in.jsonl#2"},
		{"batch line", Config{Model: "gpt-4o-mini", Batch: true, IDColumn: "custom_id"},
			rec("custom_id", "a", "method", "POST", "url", "/v1/chat/completions", "body", `{"model":"gpt-4o","messages":[{"role":"user","content":"q"}]}`), "",
			`{"model":"gpt-4o","messages":[{"role":"user","content":"q"}]}`, "id:a"},
		{"batch line without a model takes --model", Config{Model: "gpt-4o-mini", Batch: true, IDColumn: "custom_id"},
			rec("custom_id", "a", "method", "POST", "url", "/v1/chat/completions", "body", `{"messages":[]}`), "",
			`"model":"gpt-4o-mini"`, "id:a"},
		{"batch line, other endpoint", Config{Model: "m", Batch: true, IDColumn: "custom_id"},
			rec("custom_id", "b", "method", "POST", "url", "/v1/completions", "body", `{}`), "unsupported_url",
			`in.jsonl:3: url "/v1/completions" is not supported`, "id:b"},
		{"batch line for embeddings is sent as given", Config{Model: "m", Batch: true, IDColumn: "custom_id"},
			rec("custom_id", "e", "method", "POST", "url", "/v1/embeddings", "body", `{"model":"text-embedding-3-small","input":["a","b"]}`), "",
			`{"model":"text-embedding-3-small","input":["a","b"]}`, "id:e"},
		{"batch line for embeddings takes --model", Config{Model: "text-embedding-3-small", Batch: true, IDColumn: "custom_id"},
			rec("custom_id", "e", "method", "POST", "url", "/v1/embeddings", "body", `{"input":"a"}`), "",
			`"model":"text-embedding-3-small"`, "id:e"},
		{"batch line for embeddings with an empty input", Config{Model: "m", Batch: true, IDColumn: "custom_id"},
			rec("custom_id", "e", "method", "POST", "url", "/v1/embeddings", "body", `{"model":"text-embedding-3-small","input":["a",""]}`), "bad_body",
			`input 1: empty input`, "id:e"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			p := r.Render(withPos(tc.rec), 2)
			if p.Key != tc.wantKey {
				t.Errorf("key %q, want %q", p.Key, tc.wantKey)
			}
			if tc.wantKind != "" {
				if p.Err == nil || p.Err.Kind != tc.wantKind || !strings.Contains(p.Err.Msg, tc.wantMsg) {
					t.Fatalf("err %+v, want kind %s with %q", p.Err, tc.wantKind, tc.wantMsg)
				}
				return
			}
			if p.Err != nil {
				t.Fatalf("unexpected row error %+v", p.Err)
			}
			if !strings.Contains(string(p.Body), tc.wantMsg) {
				t.Errorf("body %s lacks %s", p.Body, tc.wantMsg)
			}
			r.Count(&p)
			if p.Tokens <= 0 || p.Charge != p.Tokens+p.MaxOut {
				t.Errorf("tokens %d, charge %d, max out %d", p.Tokens, p.Charge, p.MaxOut)
			}
		})
	}
}

func TestRenderParseErrorKeepsTheID(t *testing.T) {
	r, err := New(Config{Model: "m", Template: "{{.text}}", IDColumn: "id"})
	if err != nil {
		t.Fatal(err)
	}
	bad := rec("id", "42")
	bad.Err = errors.New("in.csv:9:4: wrong number of fields")
	p := r.Render(bad, 8)
	if p.Err == nil || p.Err.Kind != "parse" || p.ID != "42" {
		t.Fatalf("got %+v, id %q; want a parse error that keeps id 42", p.Err, p.ID)
	}
}
