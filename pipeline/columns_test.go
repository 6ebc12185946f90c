package pipeline

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// A column the input does not have is a configuration error before
// anything is sent, in run and in estimate (issue 13, item 9).
func TestMisspeltColumnsStopBeforeSending(t *testing.T) {
	inBubble(t, simulator.Config{}, func(t *testing.T, e *memEnv) {
		in := writeCSV(t, e.dir, 5) // id,text,extra
		for _, tc := range []struct {
			name string
			edit func(j *Job)
			want string
		}{
			{"keep", func(j *Job) { j.Keep = []string{"extar"} }, `--keep "extar" is not a column of the input (did you mean "extra"?)`},
			{"id column", func(j *Job) { j.IDColumn = "idd" }, `--id-column "idd"`},
			{"template", func(j *Job) { j.Template = "{{.txet}}" }, `the template's column "txet"`},
		} {
			job := e.job(in)
			tc.edit(&job)
			_, err := Run(context.Background(), job, e.opts())
			var ce *ConfigError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: run: %v, want a ConfigError with %q", tc.name, err, tc.want)
			}
			_, err = Estimate(context.Background(), job, EstimateOptions{})
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: estimate: %v, want a ConfigError with %q", tc.name, err, tc.want)
			}
		}
		if n := e.sim.Stats().Requests; n != 0 {
			t.Fatalf("%d requests sent, want none", n)
		}
	})
}
