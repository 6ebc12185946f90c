package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/internal/jobstate"
	"github.com/batchprompt/batchprompt/internal/simulator"
)

// lockState holds the job's state database as a run in progress does.
func lockState(state string) (func(), error) { return jobstate.Lock(state) }

// TestRunRefusesASecondRunThroughALink: a --state that names the running
// job's database through a symlink or a hard link is refused as a
// configuration error (issue 13 item 2: a symlink billed 4,097 rows twice).
func TestRunRefusesASecondRunThroughALink(t *testing.T) {
	e := newEnv(t, simulator.Config{})
	job := e.job(writeCSV(t, e.dir, 5))
	if _, err := Run(context.Background(), job, e.opts()); err != nil {
		t.Fatal(err)
	}
	unlock, err := lockState(job.State) // as a run in progress holds it
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	for name, mk := range map[string]func(string, string) error{"symlink": os.Symlink, "hard link": os.Link} {
		other := job
		other.State = filepath.Join(e.dir, strings.ReplaceAll(name, " ", "-")+".db")
		if err := mk(job.State, other.State); err != nil {
			t.Skipf("%s: %v", name, err)
		}
		_, err := Run(context.Background(), other, e.opts())
		var ce *ConfigError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), other.State) || !strings.Contains(err.Error(), "in use") {
			t.Errorf("through a %s: err = %v", name, err)
		}
	}
	if n := e.sim.Stats().Requests; n != 5 {
		t.Fatalf("the simulator answered %d requests, want the first run's 5", n)
	}
}

// TestRunRefusedResumeNamesTheParameter: a resume refused for changed
// parameters says which one changed and how (issue 13 item 18).
func TestRunRefusedResumeNamesTheParameter(t *testing.T) {
	e := newEnv(t, simulator.Config{})
	job := e.job(writeCSV(t, e.dir, 3))
	zero, half := 0.0, 0.5
	job.Params.Temperature = &zero
	if _, err := Run(context.Background(), job, e.opts()); err != nil {
		t.Fatal(err)
	}
	job.Params.Temperature = &half
	_, err := Run(context.Background(), job, e.opts())
	var ce *ConfigError
	var me *MismatchError
	if !errors.As(err, &ce) || !errors.As(err, &me) || !strings.Contains(err.Error(), "temperature 0 → 0.5") {
		t.Fatalf("err = %v", err)
	}
}
