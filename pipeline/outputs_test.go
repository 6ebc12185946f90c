package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// An output that cannot be written is found before any request is sent
// (issue 13, item 14), not after every row was paid for.
func TestRunRefusesAnUnwritableOutputBeforeSending(t *testing.T) {
	cases := map[string]func(t *testing.T, dir string) string{
		"a directory": func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "out.jsonl")
			os.Mkdir(p, 0o755)
			return p
		},
		"a read-only folder": func(t *testing.T, dir string) string {
			if os.Geteuid() == 0 {
				t.Skip("root writes into read-only folders")
			}
			ro := filepath.Join(dir, "ro")
			os.Mkdir(ro, 0o555)
			t.Cleanup(func() { os.Chmod(ro, 0o755) })
			return filepath.Join(ro, "out.jsonl")
		},
	}
	for name, output := range cases {
		t.Run(name, func(t *testing.T) {
			inBubble(t, simulator.Config{}, func(t *testing.T, e *memEnv) {
				job := e.job(writeCSV(t, e.dir, 5))
				job.Outputs = []string{filepath.Join(e.dir, "fine.csv"), output(t, e.dir)}
				_, err := Run(context.Background(), job, e.opts())
				var ce *ConfigError
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), job.Outputs[1]) {
					t.Fatalf("err = %v, want a ConfigError naming %s", err, job.Outputs[1])
				}
				if n := e.sim.Stats().Requests; n != 0 {
					t.Fatalf("%d requests were sent before the output was found unwritable", n)
				}
			})
		})
	}
}

// When one output of several fails at the end, the others are still
// written, and the error names the one that failed (issue 13, item 14).
func TestRunWritesTheOtherOutputsWhenOneFails(t *testing.T) {
	inBubble(t, simulator.Config{}, func(t *testing.T, e *memEnv) {
		job := e.job(writeCSV(t, e.dir, 5))
		broken := filepath.Join(e.dir, "late.jsonl")
		job.Outputs = []string{job.Outputs[0], broken, job.Outputs[1]}
		opt := e.opts()
		opt.Progress = func(p Progress) {
			if p.Done == 1 {
				os.Mkdir(broken, 0o755) // becomes unwritable after the check
			}
		}
		s, err := Run(context.Background(), job, opt)
		if err != nil {
			t.Fatal(err)
		}
		if s.Stop != Failed || s.Err == nil || !strings.Contains(s.Err.Error(), broken) {
			t.Fatalf("stop=%v err=%v, want Failed naming %s", s.Stop, s.Err, broken)
		}
		if got := len(readJSONL(t, job.Outputs[0])); got != 5 {
			t.Fatalf("%s has %d rows, want 5", job.Outputs[0], got)
		}
		if got := len(readCSVFile(t, job.Outputs[2])); got != 6 {
			t.Fatalf("%s has %d lines, want a header and 5 rows", job.Outputs[2], got)
		}
		if len(s.Outputs) != 2 {
			t.Fatalf("summary lists %v as written, want the two that were", s.Outputs)
		}
	})
}

// A temp file left beside an output by a run killed while publishing is
// removed by the next run (issue 13, item 15); other files are not.
func TestRunRemovesStaleTempFiles(t *testing.T) {
	inBubble(t, simulator.Config{}, func(t *testing.T, e *memEnv) {
		job := e.job(writeCSV(t, e.dir, 3))
		stale := filepath.Join(e.dir, "."+filepath.Base(job.Outputs[0])+".tmp-123456")
		other := filepath.Join(e.dir, ".notes.tmp-1")
		os.WriteFile(stale, []byte(`{"half":`), 0o644)
		os.WriteFile(other, []byte("mine"), 0o644)
		s, err := Run(context.Background(), job, e.opts())
		if err != nil || s.Stop != Completed {
			t.Fatalf("stop=%v err=%v %v", s.Stop, s.Err, err)
		}
		if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s is still there (err %v)", stale, err)
		}
		if _, err := os.Stat(other); err != nil {
			t.Fatalf("a file that is not ours was removed: %v", err)
		}
	})
}

// A --limit trial after a complete run never replaces the published
// outputs with fewer rows (issue 13, item 5): it keeps them, says so, and
// status still reports the whole job.
func TestRunTrialKeepsLargerOutputs(t *testing.T) {
	inBubble(t, simulator.Config{}, func(t *testing.T, e *memEnv) {
		job := e.job(writeCSV(t, e.dir, 30))
		if s, err := Run(context.Background(), job, e.opts()); err != nil || s.Stop != Completed {
			t.Fatalf("full run: stop=%v err=%v %v", s.Stop, s.Err, err)
		}
		trial := job
		trial.Limit = 5
		s, err := Run(context.Background(), trial, e.opts())
		if err != nil || s.Stop != Completed {
			t.Fatalf("trial: stop=%v err=%v %v", s.Stop, s.Err, err)
		}
		if got := len(readJSONL(t, job.Outputs[0])); got != 30 {
			t.Fatalf("the trial left %d rows in %s, want the full run's 30", got, job.Outputs[0])
		}
		if len(s.Kept) != 2 || s.Kept[0].Rows != 30 || len(s.Outputs) != 0 {
			t.Fatalf("summary kept %+v, wrote %v; want both outputs kept with 30 rows", s.Kept, s.Outputs)
		}
		st, err := ReadStatus(context.Background(), job.State)
		if err != nil || !st.Complete || st.Rows != 30 || st.OK != 30 {
			t.Fatalf("status after the trial: complete=%v rows=%d ok=%d err=%v, want complete with 30 (%+v)", st.Complete, st.Rows, st.OK, err, st)
		}
		// A trial into fresh outputs writes its own rows.
		trial.Outputs = []string{filepath.Join(e.dir, "trial.jsonl")}
		if s, err := Run(context.Background(), trial, e.opts()); err != nil || s.Stop != Completed || len(s.Outputs) != 1 {
			t.Fatalf("fresh trial: stop=%v outputs=%v err=%v %v", s.Stop, s.Outputs, s.Err, err)
		}
		if got := len(readJSONL(t, trial.Outputs[0])); got != 5 {
			t.Fatalf("the trial wrote %d rows, want 5", got)
		}
	})
}
