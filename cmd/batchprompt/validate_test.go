package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	const key = "sk-VALIDATE-SECRET-0123456789"
	dir := t.TempDir()
	csvIn, _ := writeInputs(t, dir, 10)
	job := filepath.Join(dir, "job.yaml")
	os.WriteFile(job, []byte("input: in.csv\noutput: [out/a.jsonl, out/a.csv]\nid_column: id\nkeep: [lang]\n"+
		"model: gpt-4o-mini\nsystem: Be brief.\ntemplate: |-\n  Summarise: {{.text}}\n  Lang: {{.lang}}\n"), 0o644)
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(`{"id":"a","text":"fine"}`+"\nnot json\n"+`{"id":"b"}`+"\n"+`{"id":"","text":"x"}`+"\n"+`{"id":"a","text":"again"}`+"\n"), 0o644)
	unknownKey := filepath.Join(dir, "unknown.yaml")
	os.WriteFile(unknownKey, []byte("input: in.csv\nrows: 5\n"), 0o644)
	// A state database made with another template: run would refuse it.
	state, _ := simRun(t, dir, 3)
	withKey := mapEnv{"OPENAI_API_KEY": key}

	tests := []struct {
		name   string
		env    mapEnv
		args   []string
		code   int
		want   []string
		absent []string
	}{
		{"job file", withKey, []string{"validate", job}, 0, []string{
			"job file    " + job, "OPENAI_API_KEY is set", "model       gpt-4o-mini ($", `system      "Be brief."`, "(new: the first run creates it)",
			"row 0  " + csvIn + `:2  id "r000000"  (`, "  | Summarise: 0 plain\n  | Lang: en\n", "row 2  ",
			"3 row(s) checked, 0 would fail. Nothing was sent."}, []string{"row 3  ", key}},
		{"--rows", nil, []string{"validate", job, "--rows", "1"}, 0, []string{"row 0  ", "1 row(s) checked", "not set: run needs OPENAI_API_KEY"}, []string{"row 1  "}},
		{"--limit caps --rows", nil, []string{"validate", job, "--rows", "8", "--limit", "2"}, 0, []string{"2 row(s) checked"}, nil},
		{"flags only", nil, []string{"validate", "-i", csvIn, "-o", filepath.Join(dir, "o.jsonl"), "--prompt-column", "text", "--simulate"}, 0,
			[]string{"not needed (--simulate)", "o.sim.state.db", "  | 0 plain\n"}, nil},
		{"row errors", nil, []string{"validate", "-i", bad, "-o", filepath.Join(dir, "o.jsonl"), "--template", "{{.text}}", "--id-column", "id", "--rows", "10"}, 1,
			[]string{"row 0  " + bad + ":1  id", "row 1  " + bad + ":2  error: ", "row 2  " + bad + ":3  error: template: column \"text\" is missing",
				`row 3  ` + bad + `:4  error: id column "id" is empty`, `error: duplicate id "a" (first at ` + bad + ":1)",
				"5 row(s) checked, 4 would fail", "4 of the 5 rows checked would fail"}, nil},
		{"every config problem at once", nil, []string{"validate", "-i", csvIn, "-o", filepath.Join(dir, "x.xlsx"), "--concurrency", "0", "--model", "no-such-model"}, 2,
			[]string{"3 problem(s)", "x.xlsx", "no prompt", "--concurrency 0", "not in the price table"}, []string{"row 0"}},
		{"state of another job", nil, []string{"validate", "-i", csvIn, "-o", filepath.Join(dir, "o.jsonl"), "--template", "other {{.text}}", "--state", state}, 2,
			[]string{"different id column id → (none), template", "--restart"}, nil},
		{"--restart", nil, []string{"validate", "-i", csvIn, "-o", filepath.Join(dir, "o.jsonl"), "--template", "x", "--state", state, "--restart"}, 0,
			[]string{"--restart moves it aside"}, nil},
		{"a kept column the input lacks", nil, []string{"validate", job, "--keep", "lang,lnag"}, 2,
			[]string{`--keep "lnag" is not a column of the input (did you mean "lang"?)`, "columns are: id, text, lang"}, []string{"row 0"}},
		{"unknown job file key", nil, []string{"validate", unknownKey}, 2, []string{`unknown key "rows"`}, nil},
		{"bad flag value", nil, []string{"validate", job, "--max-tokens", "0"}, 2, []string{"--max-tokens 0"}, nil},
		{"negative --rows", nil, []string{"validate", job, "--rows", "-1"}, 2, []string{"--rows -1"}, nil},
		{"missing input", nil, []string{"validate", "-i", filepath.Join(dir, "missing.csv"), "-o", filepath.Join(dir, "o.jsonl"), "--template", "x"}, 1,
			[]string{"missing.csv"}, nil},
		{"standard input", nil, []string{"validate", "-i", "-", "-o", filepath.Join(dir, "o.jsonl"), "--template", "x"}, 0,
			[]string{"validate does not read it"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, log := execSub(t, tc.env, tc.args...)
			all := out + log
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(all, a) {
					t.Errorf("output has %q", a)
				}
			}
			if code != tc.code || t.Failed() {
				t.Fatalf("exit %d (want %d)\n%s", code, tc.code, all)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "job.state.db")); err == nil {
		t.Error("validate created a state database")
	}
}
