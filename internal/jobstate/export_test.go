package jobstate

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExport: a complete job exports whole; an unfinished one only with
// leave, only its rows with a result, and never over its own outputs.
func TestExport(t *testing.T) {
	dir := t.TempDir()
	own := filepath.Join(dir, "own.jsonl")
	partial := partialJob(t, dir, map[string]string{MetaTotal: "12", MetaOutputs: `["` + own + `"]`})
	complete := filepath.Join(dir, "done", "state.db")
	os.Mkdir(filepath.Dir(complete), 0o755)
	s := openJob(t, complete)
	if err := RecordOutcome(context.Background(), s.DB, Outcome{Stop: "completed", Complete: true, ReadAll: true, Keep: []string{"lang"}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	notStarted := filepath.Join(dir, "empty.db")
	os.WriteFile(notStarted, nil, 0o644) // SQLite reads an empty file as an empty database
	out := func(name string) string { return filepath.Join(dir, "out", name) }
	os.MkdirAll(out("isdir.jsonl"), 0o755)

	tests := []struct {
		name    string
		spec    ExportSpec
		config  bool   // a *ConfigError
		errIs   any    // an error type or value the error holds
		errText string // in the message
		rows    int64  // written to each file
		lines   int    // in the first output
	}{
		{"complete", ExportSpec{State: complete, Outputs: []string{out("a.jsonl")}}, false, nil, "", 0, 0},
		{"unfinished needs leave", ExportSpec{State: partial, Outputs: []string{out("b.jsonl")}}, true, new(*IncompleteError),
			"not complete: 5 rows missing (3 pending, 2 not yet read); pass --partial to write the 7 rows", 0, 0},
		{"partial", ExportSpec{State: partial, Outputs: []string{out("c.jsonl"), out("c.csv")}, Partial: true}, false, nil, "", 7, 7},
		{"partial over a recorded output", ExportSpec{State: partial, Outputs: []string{own}, Partial: true}, true, new(*OwnOutputError), "own.jsonl", 0, 0},
		{"partial over the job file's output", ExportSpec{State: partial, Outputs: []string{out("j.csv")}, Partial: true, JobOutputs: []string{out("j.csv")}},
			true, new(*OwnOutputError), "j.csv is one of the job's own outputs", 0, 0},
		{"no output", ExportSpec{State: partial}, true, nil, "no output", 0, 0},
		{"unknown format", ExportSpec{State: partial, Outputs: []string{out("x.xlsx")}}, true, nil, "x.xlsx", 0, 0},
		{"an output that is a directory", ExportSpec{State: complete, Outputs: []string{out("d1.jsonl"), out("isdir.jsonl")}}, true, nil, "isdir.jsonl is a directory", 0, 0},
		{"given twice", ExportSpec{State: partial, Outputs: []string{out("y.csv"), out("../out/y.csv")}}, true, nil, "given twice", 0, 0},
		{"not started", ExportSpec{State: notStarted, Outputs: []string{out("z.csv")}}, false, ErrNotStarted, "has not started", 0, 0},
		{"missing database", ExportSpec{State: out("nope.db"), Outputs: []string{out("z.csv")}}, false, nil, "nope.db does not exist", 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Export(context.Background(), tc.spec)
			if tc.errText == "" {
				if err != nil {
					t.Fatal(err)
				}
				data, _ := os.ReadFile(tc.spec.Outputs[0])
				if res.Rows != tc.rows || bytes.Count(data, []byte("\n")) != tc.lines || res.Partial != tc.spec.Partial {
					t.Fatalf("rows %d, partial %v, file:\n%s", res.Rows, res.Partial, data)
				}
				return
			}
			if err == nil || IsConfig(err) != tc.config || !strings.Contains(err.Error(), tc.errText) {
				t.Fatalf("err = %v (config %v), want %q (config %v)", err, IsConfig(err), tc.errText, tc.config)
			}
			if e, ok := tc.errIs.(error); ok && !errors.Is(err, e) {
				t.Fatalf("err = %v, want %v", err, e)
			} else if tc.errIs != nil && !ok && !errors.As(err, tc.errIs) {
				t.Fatalf("err = %v, want a %T", err, tc.errIs)
			}
			for _, o := range tc.spec.Outputs {
				if fi, err := os.Stat(o); err == nil && o != own && !fi.IsDir() {
					t.Errorf("a refused export wrote %s", o)
				}
			}
		})
	}
}
