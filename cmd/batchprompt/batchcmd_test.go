package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// The nightly recipe on the command line: --detach exits 6 with results
// pending, status lists the batch, cancel cancels it and exits 5 with the
// unanswered rows pending, and the next run submits them again.
func TestBatchAPICommandLine(t *testing.T) {
	bc := simulator.BatchConfig{}.WithLifecycle(time.Hour)
	bc.CancelFor = 0 // cancelled at once
	sim, err := simulator.Start("127.0.0.1:0", simulator.Config{Seed: 2, Batch: bc})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	dir := t.TempDir()
	in, _ := writeInputs(t, dir, 40)
	state := filepath.Join(dir, "job.state.db")
	env := mapEnv{"OPENAI_API_KEY": "sk-test"}
	args := []string{"-i", in, "-o", filepath.Join(dir, "out.csv"), "--id-column", "id", "--template", "Say {{.text}}",
		"--state", state, "--base-url", sim.URL, "--batch-api", "--batch-poll-interval", "1s", "-q"}

	if code, msg := runCLI(t, env, append([]string{"run"}, append(args, "--detach")...)...); code != exitSubmitted {
		t.Fatalf("run --detach: exit %d, want 6\n%s", code, msg)
	}
	if code, msg := runCLI(t, env, "status", "--state", state); code != 0 || !strings.Contains(msg, "batches") || !strings.Contains(msg, "batch_") {
		t.Fatalf("status: exit %d, want the batch listed\n%s", code, msg)
	}
	// The hour-long batch has answered nothing yet: cancel collects nothing
	// and leaves the rows pending (exit 5, resumable).
	if code, msg := runCLI(t, env, append([]string{"cancel"}, args...)...); code != exitInterrupted {
		t.Fatalf("cancel: exit %d, want 5\n%s", code, msg)
	}
	if st := sim.BatchStats(); st.BatchesCancelled != 1 {
		t.Fatalf("%+v, want the batch cancelled", st)
	}
	if code, msg := runCLI(t, env, append([]string{"run"}, append(args, "--detach")...)...); code != exitSubmitted {
		t.Fatalf("run --detach after cancel: exit %d, want 6\n%s", code, msg)
	}
	if st := sim.BatchStats(); st.BatchesCreated != 2 || st.BatchesCancelled != 1 {
		t.Fatalf("%+v, want the cancelled rows in a second batch", st)
	}
}
