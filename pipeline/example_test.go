package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/batchprompt/batchprompt/internal/simulator"
	"github.com/batchprompt/batchprompt/pipeline"
)

// ExampleRun runs a small job from Go, without the CLI, against the
// built-in simulator. Progress arrives through a callback; Run never prints.
func ExampleRun() {
	sim, err := simulator.Start("127.0.0.1:0", simulator.Config{})
	if err != nil {
		panic(err)
	}
	defer sim.Close()

	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	input := filepath.Join(dir, "reviews.csv")
	os.WriteFile(input, []byte("id,review\n1,Great kettle\n2,\"Loud, but fast\"\n3,Broke in a week\n"), 0o644)

	job := pipeline.Job{
		Input:    input,
		Outputs:  []string{filepath.Join(dir, "summaries.jsonl")},
		Template: "Summarise: {{.review}}",
		Model:    "gpt-4o-mini",
		IDColumn: "id",
		State:    filepath.Join(dir, "job.state.db"),
	}
	var last pipeline.Progress
	summary, err := pipeline.Run(context.Background(), job, pipeline.Options{
		Endpoint: pipeline.Endpoint{BaseURL: sim.URL},
		Progress: func(p pipeline.Progress) { last = p },
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(summary.Stop, summary.OK, "ok,", summary.Failed, "failed")
	fmt.Println("progress saw", last.Done, "rows done")
	// Output:
	// completed 3 ok, 0 failed
	// progress saw 3 rows done
}
