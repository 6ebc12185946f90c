package main

import (
	"strings"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/pipeline"
)

func TestProgressFigures(t *testing.T) {
	tests := []struct {
		name      string
		p         pipeline.Progress
		elapsed   time.Duration
		total     int64
		eta       time.Duration
		projected float64
		shows     []string
		hides     []string
	}{
		{"parquet: rows known", pipeline.Progress{Done: 250, Read: 300, RowsTotal: 1000, CostUSD: 0.25, PromptTokens: 6000, CompletionTokens: 3000},
			10 * time.Second, 1000, 30 * time.Second, 1.0,
			[]string{"250/1,000 rows", "25.0 rows/s", "54.0k tok/min", "$0.2500 spent, ~$1.0000 at the end", "ETA 30s"}, nil},
		{"csv: rows from bytes", pipeline.Progress{Done: 100, Read: 200, BytesRead: 2000, BytesTotal: 10000, CostUSD: 0.1},
			10 * time.Second, 1000, 90 * time.Second, 1.0, []string{"100/1,000 rows", "ETA 1m30s"}, nil},
		{"resumed rows are not this run's speed", pipeline.Progress{Done: 600, Reused: 500, RowsTotal: 1000, CostUSD: 0.1},
			10 * time.Second, 1000, 40 * time.Second, 0.5, []string{"10.0 rows/s", "ETA 40s"}, nil},
		{"stdin: nothing known yet", pipeline.Progress{Done: 5, Read: 5}, time.Second, -1, -1, -1,
			[]string{"5 rows"}, []string{"ETA", "at the end", "5/"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := progressFigures(tc.p, tc.elapsed)
			if f.total != tc.total || f.eta != tc.eta || (f.projected-tc.projected) > 1e-9 || (tc.projected-f.projected) > 1e-9 {
				t.Errorf("total %d eta %v projected %v; want %d %v %v", f.total, f.eta, f.projected, tc.total, tc.eta, tc.projected)
			}
			line := f.line(tc.p)
			for _, s := range tc.shows {
				if !strings.Contains(line, s) {
					t.Errorf("%q lacks %q", line, s)
				}
			}
			for _, s := range tc.hides {
				if strings.Contains(line, s) {
					t.Errorf("%q shows %q, which is unknown", line, s)
				}
			}
		})
	}
}
