package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/jobstate"
	"github.com/batchprompt/batchprompt/pipeline"
)

// execSub runs a root command holding run and the commands of this file's
// siblings (status, export, validate, completion), mapping errors to exit
// codes as execute does, and returns the code, stdout and stderr.
func execSub(t *testing.T, env mapEnv, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := execute(context.Background(), args, env, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// simRun runs a job of n rows on the simulator and returns the state
// database and the output it wrote.
func simRun(t *testing.T, dir string, n int) (state, output string) {
	t.Helper()
	in, _ := writeInputs(t, dir, n)
	state, output = filepath.Join(dir, "done.state.db"), filepath.Join(dir, "done.jsonl")
	code, _, log := execSub(t, mapEnv{}, "run", "-i", in, "-o", output, "--state", state, "--template", "{{.text}}",
		"--id-column", "id", "--keep", "lang", "--model", "gpt-4o-mini",
		"--simulate", "--sim-latency", "0", "--sim-latency-jitter", "0", "-q")
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, log)
	}
	return state, output
}

// partialState builds a state database by hand: 10 rows of which 6 ok,
// 1 failed and 3 pending, with the given meta values.
func partialState(t *testing.T, path string, meta map[string]string) {
	t.Helper()
	ctx := context.Background()
	db, err := checkpoint.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	job := pipeline.Job{Model: "gpt-4o-mini", Template: "Say {{.text}}\nand more", IDColumn: "id", Keep: []string{"lang"}}
	if err := db.SetFingerprint(ctx, job.Fingerprint()); err != nil {
		t.Fatal(err)
	}
	if err := db.SetMeta(ctx, jobstate.MetaKeep, "lang"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.BeginRun(ctx); err != nil {
		t.Fatal(err)
	}
	var rows []checkpoint.Row
	for i := range 10 {
		lang := json.RawMessage(`"en"`)
		cost := 0.001
		r := checkpoint.Row{Key: fmt.Sprintf("id:r%d", i), Seq: int64(i), ID: fmt.Sprintf("r%d", i), Kept: []json.RawMessage{lang},
			Status: checkpoint.StatusOK, Output: fmt.Sprintf("answer %d", i), PromptTokens: 10, CompletionTokens: 5, CostUSD: &cost}
		switch {
		case i == 4:
			r.Status, r.Output, r.Error, r.ErrorKind, r.CostUSD = checkpoint.StatusFailed, "", "http 400: bad request", "http_400", nil
		case i >= 7:
			r.Status, r.Output, r.Error, r.CostUSD, r.PromptTokens, r.CompletionTokens = checkpoint.StatusPending, "", "", nil, 0, 0
			if i == 9 {
				r.Error = "timeout: gave up after 6 attempts"
			}
		}
		rows = append(rows, r)
	}
	if err := db.Commit(ctx, rows); err != nil {
		t.Fatal(err)
	}
	for k, v := range meta {
		if err := db.SetMeta(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStatus(t *testing.T) {
	dir := t.TempDir()
	done, _ := simRun(t, dir, 50)
	noMeta, withMeta := filepath.Join(dir, "nometa.state.db"), filepath.Join(dir, "meta.state.db")
	partialState(t, noMeta, nil)
	partialState(t, withMeta, map[string]string{jobstate.MetaTotal: "25", jobstate.MetaComplete: "false", jobstate.MetaStop: "interrupted",
		jobstate.MetaOutputs: `["/data/out.jsonl"]`})
	// A job file run with --simulate keeps its state in job.sim.state.db.
	job := filepath.Join(dir, "job.yaml")
	os.WriteFile(job, []byte("state: done.state.db\n"), 0o644)
	simJob := filepath.Join(dir, "nightly.yaml")
	os.WriteFile(simJob, []byte("output: x.jsonl\n"), 0o644)
	partialState(t, filepath.Join(dir, "nightly.sim.state.db"), nil)
	garbage := filepath.Join(dir, "garbage.db")
	os.WriteFile(garbage, []byte("this is not an SQLite database, not even close to one....................................................."), 0o644)

	tests := []struct {
		name string
		args []string
		code int
		want []string // in stdout+stderr
	}{
		{"complete", []string{"status", "--state", done}, 0,
			[]string{"complete: 50 rows", "50 ok, 0 failed, 0 pending", `gpt-4o-mini, template "{{.text}}"`, `column "id"; keeps lang`}},
		{"pending, input not read to its end", []string{"status", "--state", noMeta}, 0,
			[]string{"not complete: 3 rows pending; the input has not been read to its end", "6 ok, 1 failed, 3 pending",
				"(+1 more lines)", "last error  timeout: gave up", "$0.0060 for these rows", "export --state"}},
		{"rows_total recorded", []string{"status", "--state", withMeta}, 0,
			[]string{"not complete: 18 of 25 rows missing (3 pending, 15 not yet read)", "last run    interrupted", "outputs     /data/out.jsonl"}},
		{"from the job file", []string{"status", job}, 0, []string{"complete: 50 rows"}},
		{"--state beats the job file", []string{"status", job, "--state", noMeta}, 0, []string{"3 rows pending"}},
		{"simulated runs need --simulate", []string{"status", simJob}, 1, []string{"does not exist", "nightly.sim.state.db exists: add --simulate"}},
		{"--simulate", []string{"status", simJob, "--simulate"}, 0, []string{"3 rows pending"}},
		{"nothing named", []string{"status"}, 2, []string{"give JOB.yaml or --state"}},
		{"two jobs", []string{"status", "a.yaml", "b.yaml"}, 2, []string{"accepts at most 1 arg"}},
		{"bad job file", []string{"status", filepath.Join(dir, "missing.yaml")}, 2, []string{"missing.yaml"}},
		{"not a database", []string{"status", "--state", garbage}, 1, []string{"garbage.db"}},
		{"missing database", []string{"status", "--state", filepath.Join(dir, "nope.db")}, 1, []string{"nope.db does not exist"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, log := execSub(t, mapEnv{}, tc.args...)
			for _, w := range tc.want {
				if !strings.Contains(out+log, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			if code != tc.code || t.Failed() {
				t.Fatalf("exit %d (want %d)\n%s%s", code, tc.code, out, log)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "nope.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("status created a state database for a wrong path")
	}
}

func TestStatusJSON(t *testing.T) {
	dir := t.TempDir()
	done, _ := simRun(t, dir, 20)
	noMeta, withMeta := filepath.Join(dir, "nometa.db"), filepath.Join(dir, "meta.db")
	partialState(t, noMeta, nil)
	partialState(t, withMeta, map[string]string{jobstate.MetaTotal: "25", jobstate.MetaComplete: "false"})
	keys := []string{"state", "run", "complete", "complete_recorded", "last_stop", "rows_total", "rows", "ok", "failed",
		"pending", "retry_on_rerun", "missing", "prompt_tokens", "cached_tokens", "completion_tokens", "reasoning_tokens", "cost_usd",
		"unknown_cost_rows", "spent_usd", "last_error", "model", "template_first_line", "template_lines",
		"prompt_column", "id_column", "keep", "outputs"}
	sort.Strings(keys)
	tests := []struct {
		name  string
		state string
		want  map[string]any
	}{
		{"complete", done, map[string]any{"complete": true, "complete_recorded": true, "last_stop": "completed", "ok": 20.0, "missing": 0.0, "rows_total": 20.0, "keep": []any{"lang"}}},
		{"unknown total", noMeta, map[string]any{"complete": false, "pending": 3.0, "missing": nil, "template_first_line": "Say {{.text}}", "template_lines": 2.0}},
		{"known total", withMeta, map[string]any{"complete": false, "complete_recorded": true, "missing": 18.0, "rows_total": 25.0, "outputs": []any{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, log := execSub(t, mapEnv{}, "status", "--state", tc.state, "--json")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, log)
			}
			var doc map[string]any
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out)
			}
			var got []string
			for k := range doc {
				got = append(got, k)
			}
			sort.Strings(got)
			if strings.Join(got, " ") != strings.Join(keys, " ") {
				t.Errorf("keys:\n got %v\nwant %v", got, keys)
			}
			for k, v := range tc.want {
				g, _ := json.Marshal(doc[k])
				w, _ := json.Marshal(v)
				if !bytes.Equal(g, w) {
					t.Errorf("%s = %s, want %s", k, g, w)
				}
			}
		})
	}
}

func TestGroupDigits(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := commas(n); got != want {
			t.Errorf("commas(%d) = %q, want %q", n, got, want)
		}
	}
}
