package estimate

import "testing"

func TestEmbeddingsReport(t *testing.T) {
	tests := []struct {
		rows, tokens int64
		batch        int
		want         int64
	}{
		{300, 2_100, 0, 1},
		{10_000, 70_000, 0, 5},     // 2048 inputs a request
		{10_000, 70_000, 100, 100}, // --embed-batch 100
		{4_000, 4_000_000, 0, 14},  // 300,000 tokens a request binds first
		{0, 0, 0, 0},
	}
	for _, tc := range tests {
		e := Report{Requests: tc.rows, Output: OutputRange{PerRowHigh: 4096, TotalHigh: 4096 * tc.rows}}
		e.PromptTokens.Billed = tc.tokens
		embeddings(&e, tc.batch)
		if e.Requests != tc.want || e.Output.TotalHigh != 0 || e.Output.HighSource != SourceEmbeddings {
			t.Errorf("%d rows, %d tokens, batch %d: %d requests, output %+v; want %d requests, no output",
				tc.rows, tc.tokens, tc.batch, e.Requests, e.Output, tc.want)
		}
	}
}
