package request

import (
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/readers"
)

const tinySchema = `{"type": "object", "additionalProperties": false, "required": ["a"],
 "properties": {"a": {"type": "string"}}}`

func TestResponseFormat(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		want    string // the body's response_format, "" for none
		wantErr string
	}{
		{"none", Config{}, "", ""},
		{"schema", Config{JSONSchema: []byte(tinySchema)},
			`"response_format":{"type":"json_schema","json_schema":{"name":"answer","strict":true,"schema":{"type":"object","additionalProperties":false,"required":["a"],"properties":{"a":{"type":"string"}}}}}`, ""},
		{"named", Config{JSONSchema: []byte(tinySchema), SchemaName: "review"}, `"name":"review"`, ""},
		{"object", Config{JSONObject: true}, `"response_format":{"type":"json_object"}`, ""},
		{"both", Config{JSONObject: true, JSONSchema: []byte(tinySchema)}, "", "exclude each other"},
		{"bad name", Config{JSONSchema: []byte(tinySchema), SchemaName: "a b"}, "", "schema name"},
		{"not strict", Config{JSONSchema: []byte(`{"type":"object","properties":{"a":{"type":"string"}}}`)}, "",
			`$: add "additionalProperties": false`},
		{"batch", Config{JSONObject: true, Batch: true}, "", "Batch API"},
		{"schema on a JSON-mode model", Config{Model: "gpt-4-turbo", JSONSchema: []byte(tinySchema)}, "", "give --json-object instead"},
		{"object on a JSON-mode model", Config{Model: "gpt-4-turbo", JSONObject: true}, `"response_format":{"type":"json_object"}`, ""},
		{"object on a model without response_format", Config{Model: "o1-mini", JSONObject: true}, "", "o1-mini does not accept response_format"},
		{"another server's model decides itself", Config{Model: "llama-3.1-8b", JSONSchema: []byte(tinySchema)}, `"type":"json_schema"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			if cfg.Model == "" {
				cfg.Model = "gpt-4o-mini"
			}
			cfg.Template = "{{.text}}"
			r, err := New(cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rec := readers.Record{Fields: []readers.Field{{Name: "text", Value: "hi"}}}
			p := r.Render(rec, 0)
			if p.Err != nil {
				t.Fatal(p.Err.Msg)
			}
			body := string(p.Body)
			if tt.want == "" && strings.Contains(body, "response_format") || !strings.Contains(body, tt.want) {
				t.Errorf("body %s\nwant %s", body, tt.want)
			}
			plain, _ := New(Config{Model: cfg.Model, Template: cfg.Template})
			q := plain.Render(rec, 0)
			r.Count(&p)
			plain.Count(&q)
			if tt.want != "" && p.Tokens <= q.Tokens {
				t.Errorf("the response_format's tokens must count: %d vs %d without", p.Tokens, q.Tokens)
			}
		})
	}
}
