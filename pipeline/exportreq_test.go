package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// TestExportRequestsRoundTrip: exporting a templated job and running the
// exported file gives the same outputs, by id, as running the job itself.
func TestExportRequestsRoundTrip(t *testing.T) {
	e := newEnv(t, simulator.Config{})
	in := writeCSV(t, e.dir, 250)
	job := e.job(in)
	zero := 0.0
	job.Params.Temperature = &zero
	job.System = "Be brief."
	rep, err := ExportRequests(context.Background(), job, ExportOptions{Dir: filepath.Join(e.dir, "batch"), MaxRequests: 100})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests != 250 || len(rep.Files) != 3 || !strings.HasSuffix(rep.Files[0], "requests-gpt-4o-mini-0001.jsonl") {
		t.Fatalf("report %+v", rep)
	}
	if _, err := Run(context.Background(), job, e.opts()); err != nil {
		t.Fatal(err)
	}
	direct := readJSONL(t, job.Outputs[0])

	// Run the three exported files as one input (a glob).
	bjob := Job{Input: filepath.Join(e.dir, "batch", "requests-*.jsonl"), InputFormat: FormatOpenAIBatch,
		Outputs: []string{filepath.Join(e.dir, "via-batch.jsonl")}, Model: "ignored-when-bodies-name-one",
		State: filepath.Join(e.dir, "batch.db")}
	s, err := Run(context.Background(), bjob, e.opts())
	if err != nil || s.Stop != Completed || s.OK != 250 {
		t.Fatalf("stop=%v ok=%d err=%v %v", s.Stop, s.OK, s.Err, err)
	}
	via := readJSONL(t, bjob.Outputs[0])
	if len(via) != len(direct) {
		t.Fatalf("%d rows via batch, %d direct", len(via), len(direct))
	}
	for i := range direct {
		a, b := direct[i], via[i]
		if a["id"] != b["custom_id"] {
			t.Fatalf("row %d: id %v vs custom_id %v", i, a["id"], b["custom_id"])
		}
		for _, k := range []string{"output", "finish_reason", "model", "prompt_tokens", "completion_tokens", "cost_usd"} {
			if !reflect.DeepEqual(a[k], b[k]) {
				t.Fatalf("row %d: %s differs: %v vs %v", i, k, a[k], b[k])
			}
		}
	}
	for _, f := range rep.Files {
		// Published like every other output: whole, and readable by others.
		if st, err := os.Stat(f); err != nil || st.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v (%v), want 0644", f, st.Mode().Perm(), err)
		}
	}
	data, _ := os.ReadFile(rep.Files[0])
	if !strings.Contains(string(data), `"temperature":0`) {
		t.Fatal("temperature 0 must be in the exported bodies")
	}
}
