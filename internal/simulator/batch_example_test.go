package simulator_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// Example_batchAPI runs a Batch API job against the simulator with
// go-openai: upload, create, poll, download, join on custom_id.
func Example_batchAPI() {
	// The zero BatchConfig completes a batch by the first poll; set
	// BatchConfig.WithLifecycle(d) for a batch that takes d.
	sim, err := simulator.Start("127.0.0.1:0", simulator.Config{})
	if err != nil {
		panic(err)
	}
	defer sim.Close()
	cfg := openai.DefaultConfig("sk-anything")
	cfg.BaseURL = sim.URL
	c := openai.NewClientWithConfig(cfg)
	ctx := context.Background()

	var in openai.UploadBatchFileRequest
	for _, id := range []string{"a", "b", "c"} {
		in.AddChatCompletion(id, openai.ChatCompletionRequest{Model: "gpt-4o-mini",
			Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "Say " + id}}})
	}
	f, err := c.UploadBatchFile(ctx, in)
	if err != nil {
		panic(err)
	}
	b, err := c.CreateBatch(ctx, openai.CreateBatchRequest{InputFileID: f.ID, Endpoint: openai.BatchEndpointChatCompletions})
	if err != nil {
		panic(err)
	}
	for b.Status != "completed" { // poll (a real client waits between polls)
		if b, err = c.RetrieveBatch(ctx, b.ID); err != nil {
			panic(err)
		}
	}
	out, err := c.GetFileContent(ctx, *b.OutputFileID)
	if err != nil {
		panic(err)
	}
	defer out.Close()
	answers := map[string]string{} // the output is not in input order: join on custom_id
	for sc := bufio.NewScanner(out); sc.Scan(); {
		var line struct {
			CustomID string `json:"custom_id"`
			Response struct {
				Body openai.ChatCompletionResponse `json:"body"`
			} `json:"response"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			panic(err)
		}
		answers[line.CustomID] = strings.Join(strings.Fields(line.Response.Body.Choices[0].Message.Content)[:5], " ")
	}
	ids := make([]string, 0, len(answers))
	for id := range answers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Println(id, answers[id])
	}
	fmt.Println(b.RequestCounts.Completed, "of", b.RequestCounts.Total, "answered")
	// Output:
	// a Simulated answer to: Say a…
	// b Simulated answer to: Say b…
	// c Simulated answer to: Say c…
	// 3 of 3 answered
}
