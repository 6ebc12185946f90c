package runstats

import (
	"testing"

	"github.com/batchprompt/batchprompt/checkpoint"
)

func TestTallyMostFrequentFirstWithTheFirstExample(t *testing.T) {
	var tl Tally
	tl.Add("http_400", "first 400", "in.csv:2")
	tl.Add("timeout", "a timeout", "in.csv:3")
	tl.Add("http_400", "second 400", "in.csv:4")
	got := tl.List()
	if len(got) != 2 || got[0].Kind != "http_400" || got[0].Count != 2 || got[0].Example != "first 400" || got[0].Position != "in.csv:2" {
		t.Fatalf("%+v", got)
	}
}

func TestCountersUnknownCost(t *testing.T) {
	var c Counters
	cost := 0.25
	c.AddTokens(checkpoint.Row{PromptTokens: 10, CompletionTokens: 5, CostUSD: &cost})
	c.AddTokens(checkpoint.Row{PromptTokens: 1})
	if c.PromptTokens.Load() != 11 || c.CostNanoUSD.Load() != 250_000_000 || c.UnknownCost.Load() != 1 {
		t.Fatalf("prompt %d cost %d unknown %d", c.PromptTokens.Load(), c.CostNanoUSD.Load(), c.UnknownCost.Load())
	}
}
