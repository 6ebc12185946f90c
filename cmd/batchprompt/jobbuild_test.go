package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Nonsensical numbers are refused with exit 2 before anything is sent
// (issue 13, items 4 and 11): none of them may fall back to a default or
// to "no limit" in silence.
func TestRunRefusesNonsensicalNumbers(t *testing.T) {
	dir := t.TempDir()
	in, _ := writeInputs(t, dir, 3)
	job := filepath.Join(dir, "zero-cap.yaml")
	os.WriteFile(job, []byte("input: in.csv\noutput: [z.jsonl]\ntemplate: '{{.text}}'\nmax_cost: 0\n"), 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"max-cost 0", []string{"--max-cost", "0"}, "--max-cost 0"},
		{"max-cost NaN", []string{"--max-cost", "NaN"}, "--max-cost NaN"},
		{"max-cost negative", []string{"--max-cost", "-1"}, "--max-cost -1"},
		{"max-attempts 0", []string{"--max-attempts", "0"}, "--max-attempts 0"},
		{"timeout negative", []string{"--timeout", "-1s"}, "--timeout -1s"},
		{"timeout 0", []string{"--timeout", "0s"}, "--timeout 0s"},
		{"rpm negative", []string{"--rpm", "-5"}, "--rpm -5"},
		{"tpm NaN", []string{"--tpm", "NaN"}, "--tpm NaN"},
		{"stall-timeout 0", []string{"--stall-timeout", "0s"}, "--stall-timeout 0s"},
		{"drain-timeout negative", []string{"--drain-timeout", "-3s"}, "--drain-timeout -3s"},
		{"concurrency 0", []string{"--concurrency", "0"}, "--concurrency 0"},
		{"progress-interval negative", []string{"--progress-interval", "-1s"}, "--progress-interval -1s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".jsonl")
			args := append([]string{"run", "-i", in, "-o", out, "--template", "{{.text}}", "--simulate"}, tc.args...)
			code, log := runCLI(t, nil, args...)
			if code != exitUsage || !strings.Contains(log, tc.want) {
				t.Fatalf("exit %d (want 2), output lacks %q:\n%s", code, tc.want, log)
			}
			if _, err := os.Stat(out); err == nil {
				t.Fatalf("%s was written: the run went ahead", out)
			}
		})
	}
	t.Run("max_cost 0 in a job file", func(t *testing.T) {
		if code, log := runCLI(t, nil, "run", job, "--simulate"); code != exitUsage || !strings.Contains(log, "--max-cost 0") {
			t.Fatalf("exit %d (want 2):\n%s", code, log)
		}
	})
}

// --output-format openai-batch writes the Batch API's output lines
// whatever the extension (issue 13, item 17), and the job file takes it
// as output_format.
func TestRunOutputFormatFlag(t *testing.T) {
	dir := t.TempDir()
	in, _ := writeInputs(t, dir, 3)
	out := filepath.Join(dir, "answers.jsonl")
	code, log := runCLI(t, nil, "run", "-i", in, "-o", out, "--template", "{{.text}}", "--id-column", "id", "--simulate", "--output-format", "openai-batch")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, log)
	}
	for _, row := range readLines(t, out) {
		if row["custom_id"] == nil || row["response"] == nil {
			t.Fatalf("line %v is not a Batch API output line", row)
		}
	}
	job := filepath.Join(dir, "job.yaml")
	os.WriteFile(job, []byte("input: in.csv\noutput: [b.jsonl]\ntemplate: '{{.text}}'\nid_column: id\noutput_format: openai-batch\n"), 0o644)
	if code, log := runCLI(t, nil, "run", job, "--simulate"); code != exitOK {
		t.Fatalf("job file: exit %d:\n%s", code, log)
	}
	if row := readLines(t, filepath.Join(dir, "b.jsonl"))[0]; row["custom_id"] != "r000000" {
		t.Fatalf("job file: line %v is not a Batch API output line", row)
	}
	if code, log := runCLI(t, nil, "run", "-i", in, "-o", filepath.Join(dir, "x.jsonl"), "--template", "x", "--simulate", "--output-format", "xlsx"); code != exitUsage || !strings.Contains(log, "xlsx") {
		t.Fatalf("unknown format: exit %d (want 2):\n%s", code, log)
	}
}

// The summary shows the cap and what it leaves (issue 13, item 4).
func TestRunSummaryShowsTheCap(t *testing.T) {
	dir := t.TempDir()
	in, _ := writeInputs(t, dir, 3)
	summary := filepath.Join(dir, "summary.json")
	code, log := runCLI(t, nil, "run", "-i", in, "-o", filepath.Join(dir, "o.jsonl"), "--template", "{{.text}}", "--simulate", "--max-cost", "5", "--max-tokens", "50", "--summary", summary)
	if code != exitOK || !strings.Contains(log, "cap:    $5.0000 (--max-cost), $4.99") {
		t.Fatalf("exit %d, want the cap and what is left:\n%s", code, log)
	}
	b, _ := os.ReadFile(summary)
	if !strings.Contains(string(b), `"cap_usd": 5`) || !strings.Contains(string(b), `"cap_left_usd": 4.99`) {
		t.Fatalf("summary JSON lacks the cap:\n%s", b)
	}
}
