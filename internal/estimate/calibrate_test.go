package estimate

import "testing"

func TestSampleSeqsUniformDistinct(t *testing.T) {
	got := SampleSeqs(1000, 100, 7)
	if len(got) != 100 {
		t.Fatalf("%d positions, want 100", len(got))
	}
	for s := range got {
		if s < 0 || s >= 1000 {
			t.Fatalf("position %d out of range", s)
		}
	}
	if len(SampleSeqs(5, 10, 1)) != 5 {
		t.Fatal("a sample larger than the input takes every row")
	}
}

func TestCalibrationNeedsTwoAnswers(t *testing.T) {
	c := Calibration{Sampled: 3}
	cost := 0.5
	c.Add(&cost, true, 10)
	c.Add(nil, false, 0)
	if err := c.Finish(Report{}); err == nil || c.SampleCostUSD != 0.5 || c.Answered != 1 {
		t.Fatalf("err %v cost %v answered %d", err, c.SampleCostUSD, c.Answered)
	}
	c.Add(nil, true, 20)
	if err := c.Finish(Report{Requests: 10}); err != nil || c.OutputMean != 15 || c.OutputLow >= 15 || c.OutputHigh <= 15 {
		t.Fatalf("err %v mean %v interval %v–%v", err, c.OutputMean, c.OutputLow, c.OutputHigh)
	}
}
