package pipeline

import (
	"context"
	"testing"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// TestCalibrateThenRunReusesTheSample: the sampled answers land in the
// job's state database and the full run does not pay for them again.
func TestCalibrateThenRunReusesTheSample(t *testing.T) {
	e := newEnv(t, simulator.Config{})
	job := e.job(writeCSV(t, e.dir, 300))
	rep, err := Estimate(context.Background(), job, EstimateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := Calibrate(context.Background(), job, e.opts(), rep, 40, 1)
	if err != nil {
		t.Fatal(err)
	}
	if c.Sampled != 40 || c.Answered != 40 || e.sim.Stats().Requests != 40 {
		t.Fatalf("calibration %+v, simulator saw %d", c, e.sim.Stats().Requests)
	}
	if !(c.OutputLow <= c.OutputMean && c.OutputMean <= c.OutputHigh) || c.OutputMean < 5 || c.OutputMean > 80 {
		t.Fatalf("output tokens %v (%v-%v)", c.OutputMean, c.OutputLow, c.OutputHigh)
	}
	if !(c.CostLow <= c.Cost && c.Cost <= c.CostHigh) || c.BatchCost >= c.Cost {
		t.Fatalf("costs %+v", c)
	}
	s, err := Run(context.Background(), job, e.opts())
	if err != nil || s.Stop != Completed {
		t.Fatalf("stop=%v err=%v %v", s.Stop, s.Err, err)
	}
	if s.Reused != 40 || s.Requests != 260 || e.sim.Stats().Requests != 300 {
		t.Fatalf("full run reused %d and sent %d; simulator total %d", s.Reused, s.Requests, e.sim.Stats().Requests)
	}
}
