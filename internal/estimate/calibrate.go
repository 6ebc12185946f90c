package estimate

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Calibration is an estimate corrected by a sample of rows sent for real:
// the output length measured on the sample, extrapolated to the job.
type Calibration struct {
	Sampled  int64 `json:"sampled"`  // rows chosen
	Answered int64 `json:"answered"` // of those, answered OK (the measurement)
	// OutputMean is the mean completion tokens per answered row, with the
	// 95 % confidence interval of that mean (normal approximation).
	OutputMean float64 `json:"output_tokens_mean"`
	OutputLow  float64 `json:"output_tokens_low"`
	OutputHigh float64 `json:"output_tokens_high"`
	// Cost of the whole job at the measured mean, and at the interval's
	// ends, at standard and Batch API prices.
	Cost          float64 `json:"cost_usd"`
	CostLow       float64 `json:"cost_usd_low"`
	CostHigh      float64 `json:"cost_usd_high"`
	BatchCost     float64 `json:"batch_cost_usd"`
	BatchCostLow  float64 `json:"batch_cost_usd_low"`
	BatchCostHigh float64 `json:"batch_cost_usd_high"`
	// SampleCostUSD is what the sample itself cost; the full run reuses
	// those answers from the state database, so it is not paid twice.
	SampleCostUSD float64 `json:"sample_cost_usd"`

	n, mean, m2 float64 // Welford's running mean and variance
}

// SampleSeqs picks k distinct positions in [0, n) uniformly (Floyd's
// algorithm: k draws, no full permutation).
func SampleSeqs(n, k int64, seed uint64) map[int64]bool {
	if k > n {
		k = n
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	out := make(map[int64]bool, k)
	for j := n - k; j < n; j++ {
		t := rng.Int64N(j + 1)
		if out[t] {
			t = j
		}
		out[t] = true
	}
	return out
}

// Add counts one sampled row: its cost (nil: unknown) and, when it was
// answered, its completion tokens.
func (c *Calibration) Add(cost *float64, answered bool, completionTokens int64) {
	if cost != nil {
		c.SampleCostUSD += *cost
	}
	if !answered {
		return
	}
	c.n++
	x := float64(completionTokens)
	d := x - c.mean
	c.mean += d / c.n
	c.m2 += d * (x - c.mean)
}

// Finish extrapolates the sample to the job rep describes. It fails with
// fewer than two answered rows: no spread can be measured.
func (c *Calibration) Finish(rep Report) error {
	c.Answered = int64(c.n)
	if c.n < 2 {
		return fmt.Errorf("only %d of the %d sampled rows were answered: too few to measure", c.Answered, c.Sampled)
	}
	half := 1.96 * math.Sqrt(c.m2/(c.n-1)) / math.Sqrt(c.n)
	c.OutputMean, c.OutputLow, c.OutputHigh = c.mean, math.Max(0, c.mean-half), c.mean+half
	cost := func(out, in, outPrice float64) float64 {
		return (float64(rep.PromptTokens.Billed)*in + float64(rep.Requests)*out*outPrice) / 1e6
	}
	p := rep.Price
	c.Cost, c.CostLow, c.CostHigh = cost(c.OutputMean, p.Input, p.Output), cost(c.OutputLow, p.Input, p.Output), cost(c.OutputHigh, p.Input, p.Output)
	c.BatchCost, c.BatchCostLow, c.BatchCostHigh = cost(c.OutputMean, p.BatchInput, p.BatchOutput), cost(c.OutputLow, p.BatchInput, p.BatchOutput), cost(c.OutputHigh, p.BatchInput, p.BatchOutput)
	return nil
}
