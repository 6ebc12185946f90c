// Command library shows batchprompt used as a Go library: it runs a job
// with pipeline.Run against a local test server (package pipelinetest, which
// needs no key and costs nothing) and prints progress from the callback. It
// imports only public packages, so it builds when copied into another module.
//
//	go run ./examples/library
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/batchprompt/batchprompt/pipeline"
	"github.com/batchprompt/batchprompt/pipeline/pipelinetest"
)

func main() {
	// Ctrl-C stops taking new rows; answers in flight are still committed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	sim, err := pipelinetest.NewServer(pipelinetest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer sim.Close()

	out, err := os.MkdirTemp("", "batchprompt-library")
	if err != nil {
		log.Fatal(err)
	}
	job := pipeline.Job{
		Input:    filepath.Join("examples", "summarise", "reviews.csv"),
		Outputs:  []string{filepath.Join(out, "summaries.parquet"), filepath.Join(out, "summaries.jsonl")},
		Template: "Summarise this review of a {{.product}} in one sentence: {{.review}}",
		Model:    "gpt-4o-mini",
		IDColumn: "id",
		Keep:     []string{"product"},
		State:    filepath.Join(out, "job.state.db"),
	}
	opts := pipeline.Options{
		Endpoint:    pipeline.Endpoint{BaseURL: sim.URL}, // for the real API: "https://api.openai.com/v1" and APIKey
		Concurrency: 32,
		Progress: func(p pipeline.Progress) {
			if p.Done%100 == 0 {
				fmt.Printf("%d rows done, %d tokens in, $%.5f\n", p.Done, p.PromptTokens, p.CostUSD)
			}
		},
	}
	s, err := pipeline.Run(ctx, job, opts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d ok, %d failed; outputs in %s\n", s.Stop, s.OK, s.Failed, out)
}
