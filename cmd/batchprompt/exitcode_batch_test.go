package main

import (
	"errors"
	"testing"

	"github.com/batchprompt/batchprompt/pipeline"
)

// Exit code 6 (submitted, results pending) ranks after 3 and before 4:
// 2, 1, 5, 3, 6, 4, 0.
func TestExitCodeSubmitted(t *testing.T) {
	tests := []struct {
		name string
		s    pipeline.Summary
		err  error
		want int
	}{
		{"submitted", pipeline.Summary{Stop: pipeline.Submitted}, nil, exitSubmitted},
		{"submitted with failed rows", pipeline.Summary{Stop: pipeline.Submitted, Progress: pipeline.Progress{Failed: 3}}, nil, exitSubmitted},
		{"budget before submitted", pipeline.Summary{Stop: pipeline.BudgetReached}, nil, exitBudget},
		{"complete with failed rows", pipeline.Summary{Progress: pipeline.Progress{Failed: 1}}, nil, exitRowsFailed},
		{"usage error", pipeline.Summary{Stop: pipeline.Submitted}, &usageError{errors.New("bad flag")}, exitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.s
			if got := exitCode(result{summary: &s}, tc.err); got != tc.want {
				t.Fatalf("exit code %d, want %d", got, tc.want)
			}
		})
	}
}
