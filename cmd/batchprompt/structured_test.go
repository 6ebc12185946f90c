package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A job file's json_schema is a path (relative to the file) or the
// schema inline, whose key order (the column order) survives.
func TestJobFileJSONSchema(t *testing.T) {
	dir := t.TempDir()
	schema := `{"type":"object","additionalProperties":false,"required":["a"],"properties":{"a":{"type":"string"}}}`
	os.WriteFile(filepath.Join(dir, "s.json"), []byte(schema), 0o644)
	tests := []struct {
		name, yaml, want, wantErr string
	}{
		{"path", "json_schema: s.json\n", schema, ""},
		{"inline", "json_schema:\n  type: object\n  properties:\n    zeta: {type: integer, minimum: 1}\n    alpha: {type: [string, \"null\"], enum: [\"1\", x, null]}\n  required: [zeta, alpha]\n  additionalProperties: false\n",
			`{"type":"object","properties":{"zeta":{"type":"integer","minimum":1},"alpha":{"type":["string","null"],"enum":["1","x",null]}},"required":["zeta","alpha"],"additionalProperties":false}`, ""},
		{"missing file", "json_schema: nope.json\n", "", "--json-schema: open"},
		{"both", "json_schema: s.json\njson_object: true\n", "", "not both"},
		{"no retries left", "json_schema: s.json\nmax_parse_attempts: 0\n", "", "--max-parse-attempts 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job := filepath.Join(dir, "job.yaml")
			os.WriteFile(job, []byte("input: in.csv\noutput: [out.jsonl]\ntemplate: x\n"+tt.yaml), 0o644)
			f, fs := newRunFlagSet()
			fs.Parse(nil)
			jf, err := readJobFile(job, fs)
			if err != nil {
				t.Fatal(err)
			}
			if err := applyLayers(fs, jf, mapEnv{}); err != nil {
				t.Fatal(err)
			}
			j, err := buildJob(f, fs, job)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(j.JSONSchema) != tt.want {
				t.Fatalf("schema\n got %s\nwant %s", j.JSONSchema, tt.want)
			}
		})
	}
}
