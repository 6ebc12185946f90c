package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/checkpoint"
)

// TestProgressOnATerminal runs the binary under script(1), which gives it
// a pseudo-terminal: the bar must render and the run must end cleanly with
// the summary after it.
func TestProgressOnATerminal(t *testing.T) {
	scriptBin, err := exec.LookPath("script")
	if err != nil {
		t.Fatal("script(1) from util-linux is needed for the terminal test: apt-get install bsdutils")
	}
	dir := t.TempDir()
	in, _ := writeInputs(t, dir, 200)
	cmdline := strings.Join([]string{binary(t), "run", "-i", in, "-o", filepath.Join(dir, "o.jsonl"),
		"--template", "'{{.text}}'", "--simulate", "--sim-latency", "20ms", "--concurrency", "4"}, " ")
	cmd := exec.Command(scriptBin, "-qfec", cmdline, "/dev/null")
	cmd.Env = append(os.Environ(), "COLUMNS=120", "TERM=xterm")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	frames := strings.Split(string(out), "\r")
	bars := 0
	for _, f := range frames {
		if strings.Contains(f, "% |") && strings.Contains(f, "rows (") {
			bars++
		}
	}
	if bars < 2 {
		t.Fatalf("the bar never rendered on a terminal:\n%q", out)
	}
	last := string(out)[strings.LastIndex(string(out), "% |"):]
	if !strings.Contains(last, "done: 200 rows: 200 ok") || !strings.Contains(last, "exit code 0") {
		t.Fatalf("the run must end with the summary after the bar:\n%s", last)
	}
}

// TestProgressLinesWhenNotATerminal: with stderr redirected (cron, CI) there
// is no bar and no carriage return, only plain progress log lines.
func TestProgressLinesWhenNotATerminal(t *testing.T) {
	dir := t.TempDir()
	in, _ := writeInputs(t, dir, 300)
	summary := filepath.Join(dir, "summary.json")
	state := filepath.Join(dir, "s.db")
	code, log := runCLI(t, mapEnv{}, "run", "-i", in, "-o", filepath.Join(dir, "o.jsonl"), "--template", "{{.text}}",
		"--simulate", "--sim-latency", "5ms", "--concurrency", "4", "--progress-interval", "1ms",
		"--summary", summary, "--state", state, "--log-format", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, log)
	}
	if strings.Contains(log, "\r") {
		t.Fatal("a carriage return reached a redirected stderr")
	}
	progress := 0
	for _, l := range strings.Split(log, "\n") {
		if strings.HasPrefix(l, "{") {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("not a JSON log line: %q", l)
			}
			if m["msg"] == "progress" {
				progress++
			}
		}
	}
	if progress == 0 {
		t.Fatalf("no progress lines at a 1ms interval:\n%s", log)
	}

	// The summary file's totals equal the state database's.
	var s summaryJSON
	data, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	db, err := checkpoint.Open(context.Background(), state)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tot, _ := db.Totals(context.Background())
	spent, _ := db.Spent(context.Background())
	if s.OK != tot.OK || s.Failed != tot.Failed+tot.Pending || s.PromptTokens != tot.PromptTokens ||
		s.CompletionTokens != tot.CompletionTokens || s.JobCostUSD != spent || s.ExitCode != 0 || s.Status != "completed" {
		t.Fatalf("summary %+v\ndatabase %+v spent %v", s, tot, spent)
	}
}
