package pipeline

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/estimate"
)

// Calibration is the estimate corrected by a sample of rows sent for real:
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
}

// sampleSeqs picks k distinct positions in [0, n) uniformly (Floyd's
// algorithm: k draws, no full permutation).
func sampleSeqs(n, k int64, seed uint64) map[int64]bool {
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

// Calibrate sends k randomly chosen rows of job for real (through Run, into
// the job's own state database, so the full run reuses the answers and a
// --max-cost counts them), measures their output length and extrapolates
// the cost of the whole job from rep, the dry-run estimate of the same job.
func Calibrate(ctx context.Context, job Job, opt Options, rep EstimateReport, k int64, seed uint64) (Calibration, Summary, error) {
	var c Calibration
	if k < 2 {
		return c, Summary{}, configErrorf("--sample %d: want at least 2 rows to measure a spread", k)
	}
	if !rep.Priced {
		return c, Summary{}, &ConfigError{Err: estimate.Unpriced(rep.Model, opt.Prices)}
	}
	chosen := sampleSeqs(rep.Rows, k, seed)
	c.Sampled = int64(len(chosen))
	job.Only = func(seq int64) bool { return chosen[seq] }
	s, err := Run(ctx, job, opt)
	if err != nil {
		return c, s, err
	}
	if s.Stop == Failed || s.Stop == BudgetReached {
		return c, s, fmt.Errorf("the sample run stopped: %v", s.Err)
	}
	db, err := checkpoint.Open(ctx, job.State)
	if err != nil {
		return c, s, err
	}
	defer db.Close()
	var n, mean, m2 float64 // Welford's running mean and variance
	err = db.Rows(ctx, func(row checkpoint.Row) error {
		if !chosen[row.Seq] {
			return nil
		}
		if row.CostUSD != nil {
			c.SampleCostUSD += *row.CostUSD
		}
		if row.Status != checkpoint.StatusOK {
			return nil
		}
		n++
		x := float64(row.CompletionTokens)
		d := x - mean
		mean += d / n
		m2 += d * (x - mean)
		return nil
	})
	if err != nil {
		return c, s, err
	}
	c.Answered = int64(n)
	if n < 2 {
		return c, s, fmt.Errorf("only %d of the %d sampled rows were answered: too few to measure", c.Answered, c.Sampled)
	}
	half := 1.96 * math.Sqrt(m2/(n-1)) / math.Sqrt(n)
	c.OutputMean, c.OutputLow, c.OutputHigh = mean, math.Max(0, mean-half), mean+half
	cost := func(out float64, in, outPrice float64) float64 {
		return (float64(rep.PromptTokens.Billed)*in + float64(rep.Requests)*out*outPrice) / 1e6
	}
	p := rep.Price
	c.Cost, c.CostLow, c.CostHigh = cost(c.OutputMean, p.Input, p.Output), cost(c.OutputLow, p.Input, p.Output), cost(c.OutputHigh, p.Input, p.Output)
	c.BatchCost, c.BatchCostLow, c.BatchCostHigh = cost(c.OutputMean, p.BatchInput, p.BatchOutput), cost(c.OutputLow, p.BatchInput, p.BatchOutput), cost(c.OutputHigh, p.BatchInput, p.BatchOutput)
	return c, s, nil
}
