package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/pipeline"
)

// With --log-format json every line on stderr is JSON, the final summary
// too (issue 13, item 20).
func TestJSONLogsEndWithAJSONSummary(t *testing.T) {
	dir := t.TempDir()
	in, _ := writeInputs(t, dir, 5)
	code, log := runCLI(t, mapEnv{}, "run", "-i", in, "-o", filepath.Join(dir, "o.jsonl"), "--template", "{{.text}}",
		"--simulate", "--sim-latency", "0", "--sim-latency-jitter", "0", "--log-format", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, log)
	}
	lines := strings.Split(strings.TrimSpace(log), "\n")
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Fatalf("not a JSON line: %q", l)
		}
	}
	var last struct {
		Msg      string `json:"msg"`
		OK       int64  `json:"ok"`
		ExitCode int    `json:"exit_code"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || last.Msg != "summary" || last.OK != 5 {
		t.Fatalf("last line %q: %+v %v", lines[len(lines)-1], last, err)
	}
}

// The summary's headline never contradicts itself (issue 13, item 20).
func TestSummaryText(t *testing.T) {
	started := time.Unix(0, 0)
	failedEarly := pipeline.Summary{Stop: pipeline.Failed, Rows: 5, Started: started, Finished: started.Add(time.Second)}
	var b strings.Builder
	report(&b, failedEarly, exitFatal, nil, false)
	if got := b.String(); !strings.Contains(got, "failed: 5 rows read, 0 with a result") || strings.Contains(got, "limits:") {
		t.Errorf("a run that failed before any answer:\n%s", got)
	}
	done := pipeline.Summary{Stop: pipeline.Completed, Rows: 3, Limits: pipeline.Limits{RPM: 500}, Started: started, Finished: started.Add(time.Second)}
	done.Done, done.OK = 3, 3
	b.Reset()
	report(&b, done, exitOK, nil, false)
	if got := b.String(); !strings.Contains(got, "done: 3 rows: 3 ok") || !strings.Contains(got, "limits: 500 requests/min\n") {
		t.Errorf("a finished run (token limit unknown):\n%s", got)
	}
}
