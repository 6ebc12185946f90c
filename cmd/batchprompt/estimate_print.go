package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/batchprompt/batchprompt/pipeline"
)

// writeModelEstimates prints one estimate per model and their total.
func writeModelEstimates(w io.Writer, input string, reps []pipeline.EstimateReport, asJSON bool) error {
	total := &pipeline.CostRange{}
	for _, e := range reps {
		if e.Cost == nil {
			total = nil // one model's cost is unknown: so is the sum
			break
		}
		total.StandardLow += e.Cost.StandardLow
		total.StandardHigh += e.Cost.StandardHigh
		total.BatchLow += e.Cost.BatchLow
		total.BatchHigh += e.Cost.BatchHigh
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Input  string                    `json:"input"`
			Models []pipeline.EstimateReport `json:"models"`
			Total  *pipeline.CostRange       `json:"total_cost_usd"`
		}{input, reps, total})
	}
	for i, e := range reps {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := writeEstimateTable(w, input, e, "dry run: nothing sent"); err != nil {
			return err
		}
	}
	if total == nil {
		_, err := fmt.Fprintf(w, "\nAll %d models: cost unknown (a model has no price: add it with --prices FILE)\n", len(reps))
		return err
	}
	_, err := fmt.Fprintf(w, "\nAll %d models: standard $%.5f – $%.5f; Batch API $%.5f – $%.5f\n",
		len(reps), total.StandardLow, total.StandardHigh, total.BatchLow, total.BatchHigh)
	return err
}

func writeCalibration(w io.Writer, c pipeline.Calibration, state string) error {
	_, err := fmt.Fprintf(w, `
Calibrated from %d sampled rows (%d answered), sent for $%.6f:
  output tokens per row  %.1f  (95%% interval %.1f – %.1f)
  cost (USD)             standard $%.5f ($%.5f – $%.5f)
                         Batch API $%.5f ($%.5f – $%.5f)
The sampled answers are in %s: the full run reuses them.
`, c.Sampled, c.Answered, c.SampleCostUSD, c.OutputMean, c.OutputLow, c.OutputHigh,
		c.Cost, c.CostLow, c.CostHigh, c.BatchCost, c.BatchCostLow, c.BatchCostHigh, state)
	return err
}

// estimateJSON is the --json document: the estimate plus the input and the
// rates it was priced at.
type estimateJSON struct {
	Input string `json:"input"`
	pipeline.EstimateReport
	Rates       priceJSON             `json:"price"`
	Calibration *pipeline.Calibration `json:"calibration,omitempty"`
}

type priceJSON struct {
	Input         float64 `json:"input"`
	CachedInput   float64 `json:"cached_input"`
	Output        float64 `json:"output"`
	BatchInput    float64 `json:"batch_input"`
	BatchOutput   float64 `json:"batch_output"`
	ContextWindow int64   `json:"context_window"`
	MaxOutput     int64   `json:"max_output"`
}

func writeEstimateJSON(w io.Writer, input string, e pipeline.EstimateReport, cal *pipeline.Calibration) error {
	p := e.Price
	doc := estimateJSON{Input: input, EstimateReport: e, Calibration: cal, Rates: priceJSON{
		Input: p.Input, CachedInput: p.CachedInput, Output: p.Output, BatchInput: p.BatchInput,
		BatchOutput: p.BatchOutput, ContextWindow: p.ContextWindow, MaxOutput: p.MaxOutput,
	}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
