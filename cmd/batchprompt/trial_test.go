package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A --limit trial after a finished run keeps the larger outputs and says
// so, pointing at export (issue 13, item 5).
func TestRunTrialSaysItKeptTheOutputs(t *testing.T) {
	dir := t.TempDir()
	in, _ := writeInputs(t, dir, 10)
	out := filepath.Join(dir, "o.jsonl")
	args := []string{"run", "-i", in, "-o", out, "--template", "{{.text}}", "--id-column", "id", "--simulate"}
	if code, log := runCLI(t, nil, args...); code != exitOK {
		t.Fatalf("full run: exit %d:\n%s", code, log)
	}
	code, log := runCLI(t, nil, append(args, "--limit", "3")...)
	if code != exitOK || !strings.Contains(log, "kept "+out+": it holds 10 rows") || !strings.Contains(log, "batchprompt export") {
		t.Fatalf("trial: exit %d, want it to say it kept %s and point at export:\n%s", code, out, log)
	}
	if n := len(readLines(t, out)); n != 10 {
		t.Fatalf("%s has %d rows after the trial, want 10", out, n)
	}
}
