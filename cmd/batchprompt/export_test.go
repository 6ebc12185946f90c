package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/internal/jobstate"
)

func TestExport(t *testing.T) {
	dir := t.TempDir()
	done, runOut := simRun(t, dir, 30)
	partial := filepath.Join(dir, "partial.state.db")
	own := filepath.Join(dir, "own.jsonl")
	partialState(t, partial, map[string]string{jobstate.MetaTotal: "12", jobstate.MetaOutputs: `["` + own + `"]`})
	// A job file naming its own output: export finds the state from it.
	job := filepath.Join(dir, "job.yaml")
	os.WriteFile(job, []byte("state: partial.state.db\noutput: [job-out.csv]\n"), 0o644)
	out := func(name string) string { return filepath.Join(dir, name) }

	tests := []struct {
		name  string
		args  []string
		code  int
		want  []string // in stdout+stderr
		file  string   // written, with this many lines
		lines int
	}{
		{"complete job", []string{"export", "--state", done, "-o", out("a.jsonl")}, 0,
			[]string{"a.jsonl: 30 rows, the job is complete"}, out("a.jsonl"), 30},
		{"complete job, csv", []string{"export", "--state", done, "-o", out("a.csv")}, 0, nil, out("a.csv"), 31},
		{"complete job over its own output", []string{"export", "--state", done, "-o", runOut}, 0, nil, runOut, 30},
		{"unfinished needs --partial", []string{"export", "--state", partial, "-o", out("b.jsonl")}, 2,
			[]string{"not complete: 5 rows missing (3 pending, 2 not yet read); pass --partial to write the 7 rows"}, "", 0},
		{"partial", []string{"export", "--state", partial, "-o", out("c.jsonl"), "--partial"}, 0,
			[]string{"c.jsonl: 7 rows with a result; 5 rows missing"}, out("c.jsonl"), 7},
		{"partial, two formats", []string{"export", "--state", partial, "-o", out("d.csv"), "-o", out("sub/d.parquet"), "--partial"}, 0,
			[]string{"d.csv: 7 rows", "d.parquet: 7 rows"}, out("d.csv"), 8},
		{"partial over the recorded output", []string{"export", "--state", partial, "-o", own, "--partial"}, 2,
			[]string{"one of the job's own outputs"}, "", 0},
		{"partial over the job file's output", []string{"export", job, "-o", out("job-out.csv"), "--partial"}, 2,
			[]string{"job-out.csv is one of the job's own outputs"}, "", 0},
		{"partial from the job file", []string{"export", job, "-o", out("e.tsv"), "--partial"}, 0, nil, out("e.tsv"), 8},
		{"no output", []string{"export", "--state", done}, 2, []string{"give -o PATH"}, "", 0},
		{"bad extension", []string{"export", "--state", done, "-o", out("x.xlsx")}, 2, []string{"x.xlsx"}, "", 0},
		{"output twice", []string{"export", "--state", done, "-o", out("y.csv"), "-o", out("y.csv")}, 2, []string{"given twice"}, "", 0},
		{"missing database", []string{"export", "--state", out("nope.db"), "-o", out("z.csv")}, 1, []string{"does not exist"}, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, log := execSub(t, mapEnv{}, tc.args...)
			for _, w := range tc.want {
				if !strings.Contains(stdout+log, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			if code != tc.code || t.Failed() {
				t.Fatalf("exit %d (want %d)\n%s%s", code, tc.code, stdout, log)
			}
			if tc.file == "" {
				return
			}
			data, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if n := bytes.Count(data, []byte("\n")); n != tc.lines {
				t.Fatalf("%s: %d lines, want %d:\n%s", tc.file, n, tc.lines, data)
			}
		})
	}
	if _, err := os.Stat(out("b.jsonl")); err == nil {
		t.Error("a refused export wrote its file")
	}
}

// TestExportMatchesRun: a complete job's export is byte for byte the
// output run wrote, and a partial one keeps input order and leaves out
// exactly the pending rows.
func TestExportMatchesRun(t *testing.T) {
	dir := t.TempDir()
	done, runOut := simRun(t, dir, 200)
	exp := filepath.Join(dir, "exported.jsonl")
	if code, _, log := execSub(t, mapEnv{}, "export", "--state", done, "-o", exp); code != 0 {
		t.Fatalf("exit %d: %s", code, log)
	}
	a, _ := os.ReadFile(runOut)
	b, _ := os.ReadFile(exp)
	if !bytes.Equal(a, b) {
		t.Fatal("export of a complete job differs from run's output")
	}

	partial := filepath.Join(dir, "partial.db")
	partialState(t, partial, nil)
	exp = filepath.Join(dir, "partial.jsonl")
	if code, _, log := execSub(t, mapEnv{}, "export", "--state", partial, "-o", exp, "--partial"); code != 0 {
		t.Fatalf("exit %d: %s", code, log)
	}
	var ids []string
	for _, r := range readLines(t, exp) {
		ids = append(ids, r["id"].(string))
		if r["lang"] != "en" {
			t.Errorf("row %v: kept column lost", r)
		}
	}
	if got, want := strings.Join(ids, ","), "r0,r1,r2,r3,r4,r5,r6"; got != want {
		t.Fatalf("partial export rows %s, want %s", got, want)
	}
}
