package pipelinetest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/batchprompt/batchprompt/pipeline"
	"github.com/batchprompt/batchprompt/pipeline/pipelinetest"
)

// ExampleNewServer runs a small job against a local test server, as a
// program's own test would: no key, no network, no cost.
func ExampleNewServer() {
	srv, err := pipelinetest.NewServer(pipelinetest.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	dir, err := os.MkdirTemp("", "pipelinetest")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	input := filepath.Join(dir, "reviews.csv")
	if err := os.WriteFile(input, []byte("id,review\n1,Great kettle\n2,Loud but fast\n3,Broke in a week\n"), 0o644); err != nil {
		panic(err)
	}

	summary, err := pipeline.Run(context.Background(), pipeline.Job{
		Input:    input,
		Outputs:  []string{filepath.Join(dir, "summaries.jsonl")},
		Template: "Summarise: {{.review}}",
		Model:    "gpt-4o-mini",
		IDColumn: "id",
		State:    filepath.Join(dir, "job.state.db"),
	}, pipeline.Options{Endpoint: pipeline.Endpoint{BaseURL: srv.URL}})
	if err != nil {
		panic(err)
	}
	st := srv.Stats()
	fmt.Println(summary.Stop, summary.OK, "rows ok")
	fmt.Println("server answered", st.OK, "of", st.Requests, "requests")
	// Output:
	// completed 3 rows ok
	// server answered 3 of 3 requests
}
