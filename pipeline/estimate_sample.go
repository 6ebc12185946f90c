package pipeline

import (
	"context"
	"fmt"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/estimate"
)

// Calibration is the estimate corrected by a sample of rows sent for real:
// the output length measured on the sample, extrapolated to the job.
type Calibration = estimate.Calibration

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
	chosen := estimate.SampleSeqs(rep.Rows, k, seed)
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
	err = db.Rows(ctx, func(row checkpoint.Row) error {
		if chosen[row.Seq] {
			c.Add(row.CostUSD, row.Status == checkpoint.StatusOK, row.CompletionTokens)
		}
		return nil
	})
	if err != nil {
		return c, s, err
	}
	return c, s, c.Finish(rep)
}
