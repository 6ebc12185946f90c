package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runEstimateCmd runs the estimate command in-process.
func runEstimateCmd(t *testing.T, env mapEnv, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := newEstimateCmd(env, strings.NewReader(stdin), &out, &errb)
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// estimateInput writes a JSONL file of n rows, every tenth one missing its
// text (a render error) and row 3 not JSON (a parse error).
func estimateInput(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	for i := range n {
		switch {
		case i == 3:
			b.WriteString("{oops\n")
		case i%10 == 9:
			fmt.Fprintf(&b, "{\"id\": \"r%d\"}\n", i)
		default:
			fmt.Fprintf(&b, "{\"id\": \"r%d\", \"text\": \"review number %d: good value 東京 🚀\"}\n", i, i)
		}
	}
	path := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestEstimateJSONShape(t *testing.T) {
	in := estimateInput(t, 100)
	out, err := runEstimateCmd(t, mapEnv{}, "", "-i", in, "--template", "Summarise: {{.text}}", "--model", "gpt-4o-mini",
		"--rpm", "500", "--tpm", "200000", "--expect-output-tokens", "40", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	want := map[string][]string{
		"":              {"input", "model", "price_model", "price_source", "rows", "requests", "failed", "parse_errors", "render_errors", "id_errors", "over_input", "over_tpm", "tight", "problems", "prompt_bytes"},
		"prompt_tokens": {"total", "mean", "min", "p50", "p95", "max", "billed"},
		"output_tokens": {"per_row_low", "per_row_high", "total_low", "total_high", "low_source", "high_source"},
		"cost_usd":      {"standard_low", "standard_high", "batch_low", "batch_high"},
		"duration":      {"known", "seconds", "binds", "by_rpm_seconds", "by_tpm_seconds", "rpm", "tpm", "tpm_charge", "lower_bound", "hint"},
		"price":         {"input", "cached_input", "output", "batch_input", "batch_output", "context_window", "max_output"},
	}
	for obj, keys := range want {
		m := doc
		if obj != "" {
			var ok bool
			if m, ok = doc[obj].(map[string]any); !ok {
				t.Fatalf("%s: not an object: %v", obj, doc[obj])
			}
		}
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("%s.%s missing", obj, k)
			}
		}
	}
	if doc["rows"] != 100.0 || doc["parse_errors"] != 1.0 || doc["render_errors"] != 10.0 || doc["requests"] != 89.0 {
		t.Errorf("rows %v parse %v render %v requests %v", doc["rows"], doc["parse_errors"], doc["render_errors"], doc["requests"])
	}
	probs, _ := doc["problems"].([]any)
	if len(probs) != 11 {
		t.Fatalf("%d problems, want 11", len(probs))
	}
	first, _ := probs[0].(map[string]any)
	if first["row"] != 3.0 || first["kind"] != "parse" || first["position"] != in+":4" {
		t.Errorf("first problem %v", first)
	}
	d := doc["duration"].(map[string]any)
	// 89 requests × (prompt + 16,384) tokens at 200k TPM ≫ 89 at 500 RPM.
	if d["known"] != true || d["binds"] != "tpm" || d["seconds"].(float64) < 400 {
		t.Errorf("duration %v", d)
	}
	o := doc["output_tokens"].(map[string]any)
	if o["per_row_low"] != 40.0 || o["per_row_high"] != 16384.0 || o["low_source"] != "expect-output-tokens" {
		t.Errorf("output tokens %v", o)
	}
}

func TestEstimateTable(t *testing.T) {
	in := estimateInput(t, 50)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{
			name: "no limits",
			args: []string{"-i", in, "--prompt-column", "text", "--model", "gpt-4o-mini-2024-07-18"},
			want: []string{"Estimate for " + in + " with gpt-4o-mini-2024-07-18", "gpt-4o-mini, from LiteLLM", "2026-11-25",
				"Rows", "cannot be sent", "Prompt tokens", "exact; per row mean", "default; set --expect-output-tokens",
				"model maximum", "Batch API", "Duration: unknown: pass --rpm and --tpm", "First rows that would not be sent", in + ":4"},
		},
		{
			name: "rpm binds",
			args: []string{"-i", in, "--prompt-column", "text", "--max-tokens", "10", "--rpm", "60", "--tpm", "1000000"},
			want: []string{"Duration: 44s; the request limit binds (--rpm 60: 44s; --tpm 1,000,000: 0s for 1,188 tokens charged)", "per row 10 (--max-tokens)"},
		},
		{
			name: "tpm only",
			args: []string{"-i", in, "--prompt-column", "text", "--tpm", "1000000"},
			want: []string{"Duration: at least 43s (--tpm 1,000,000: 43s for 721,644 tokens charged); pass --rpm too", "1 do not parse, 5 do not render: run writes error rows"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runEstimateCmd(t, mapEnv{}, "", tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestEstimateLikeRun checks that estimate takes run's job file, run's
// environment layering and every run flag, needs no API key, and reads
// standard input.
func TestEstimateLikeRun(t *testing.T) {
	dir := t.TempDir()
	in := estimateInput(t, 20)
	job := filepath.Join(dir, "job.yaml")
	yaml := fmt.Sprintf("input: %s\ntemplate: 'Say {{.text}}'\nmodel: gpt-4o\noutput: [out.jsonl]\nconcurrency: 8\n", in)
	if err := os.WriteFile(job, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runEstimateCmd(t, mapEnv{"BATCHPROMPT_MAX_TOKENS": "50"}, "", job, "--json",
		"--simulate", "--base-url", "https://api.openai.com/v1", "--timeout", "1s", "--state", filepath.Join(dir, "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Model  string `json:"model"`
		Rows   int64  `json:"rows"`
		Output struct {
			High int64 `json:"per_row_high"`
		} `json:"output_tokens"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Model != "gpt-4o" || doc.Rows != 20 || doc.Output.High != 50 {
		t.Errorf("got %+v", doc)
	}
	if _, err := os.Stat(filepath.Join(dir, "out.jsonl")); err == nil {
		t.Error("estimate wrote an output")
	}
	if _, err := os.Stat(filepath.Join(dir, "s.db")); err == nil {
		t.Error("estimate created a state database")
	}

	out, err = runEstimateCmd(t, mapEnv{}, "{\"q\": \"hi\"}\n{\"q\": \"there\"}\n", "-i", "-", "--prompt-column", "q", "--json")
	if err != nil || !strings.Contains(out, `"rows": 2`) {
		t.Errorf("stdin: err %v\n%s", err, out)
	}
}

func TestEstimateUsageErrors(t *testing.T) {
	in := estimateInput(t, 5)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("input: x\nmax_tokenz: 5\n"), 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad expect", []string{"-i", in, "--prompt-column", "text", "--expect-output-tokens", "0"}, "--expect-output-tokens"},
		{"negative tpm", []string{"-i", in, "--prompt-column", "text", "--tpm", "-1"}, "negative"},
		{"bad prices file", []string{"-i", in, "--prompt-column", "text", "--prices", filepath.Join(dir, "none.json")}, "price overrides"},
		{"job file typo", []string{bad}, "max_tokens"},
		{"no prompt", []string{"-i", in}, "no prompt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runEstimateCmd(t, mapEnv{}, "", tc.args...)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("err %v, want a usage error (exit 2)", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %q lacks %q", err, tc.want)
			}
		})
	}
	_, err := runEstimateCmd(t, mapEnv{}, "", "-i", filepath.Join(dir, "missing.csv"), "--prompt-column", "text")
	var ce *commandError
	if !errors.As(err, &ce) {
		t.Errorf("missing input: err %v, want a command error (exit 1)", err)
	}
}

func TestEstimateFormatting(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{commas(0), "0"}, {commas(999), "999"}, {commas(1000), "1,000"}, {commas(-1234567), "-1,234,567"},
		{usd(0), "$0.00"}, {usd(0.00123456), "$0.001235"}, {usd(0.015), "$0.01500"}, {usd(0.5), "$0.5000"}, {usd(1), "$1.00"}, {usd(1234.5), "$1,234.50"},
		{humanDuration(42 * time.Second), "42s"}, {humanDuration(750 * time.Second), "12m 30s"},
		{humanDuration(3*time.Hour + 25*time.Minute + 10*time.Second), "3h 25m"}, {humanDuration(99 * time.Hour), "4d 3h"},
		{rate(0.15), "0.15"}, {rate(10), "10.00"}, {rate(0.6), "0.60"}, {rate(0.075), "0.075"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
