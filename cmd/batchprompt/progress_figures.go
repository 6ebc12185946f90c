package main

import (
	"fmt"
	"math"
	"time"

	"github.com/batchprompt/batchprompt/pipeline"
)

// figures are what a person watching a run wants from a progress snapshot:
// how far, how fast, what it costs, when it ends. Unknown values are
// negative and are left out of what is shown, never shown as 0.
type figures struct {
	total        int64   // input rows: known (Parquet), or extrapolated from bytes read; -1 unknown
	share        float64 // of the input done, 0..1; -1 unknown
	rowsPerSec   float64 // rows answered this run per second
	tokensPerMin float64 // prompt + completion tokens per minute this run
	spent        float64 // USD this run
	projected    float64 // USD this run will have cost at the end; -1 unknown
	eta          time.Duration
}

func progressFigures(p pipeline.Progress, elapsed time.Duration) figures {
	f := figures{total: -1, share: -1, projected: -1, eta: -1, spent: p.CostUSD}
	switch {
	case p.RowsTotal > 0:
		f.total = p.RowsTotal
	case p.BytesTotal > 0 && p.BytesRead > 0 && p.Read > 0:
		// CSV/JSONL: rows are not counted up front (a newline count is
		// wrong for CSV with quoted newlines); the bytes read so far say
		// how many rows the whole file holds, roughly.
		f.total = int64(math.Round(float64(p.Read) * float64(p.BytesTotal) / float64(p.BytesRead)))
	}
	if f.total > 0 {
		f.share = min(1, float64(p.Done)/float64(f.total))
	}
	fresh := p.Done - p.Reused // answered this run
	if s := elapsed.Seconds(); s > 0 {
		f.rowsPerSec = float64(fresh) / s
		f.tokensPerMin = float64(p.PromptTokens+p.CompletionTokens) / s * 60
	}
	if f.total > 0 && fresh > 0 {
		left := float64(max(0, f.total-p.Done))
		f.projected = p.CostUSD + p.CostUSD/float64(fresh)*left
		if f.rowsPerSec > 0 {
			f.eta = time.Duration(left / f.rowsPerSec * float64(time.Second))
		}
	}
	return f
}

// line is the figures as one line for the terminal's bar.
func (f figures) line(p pipeline.Progress) string {
	s := fmt.Sprintf("%s rows", commas(p.Done))
	if f.total > 0 {
		s = fmt.Sprintf("%s/%s rows", commas(p.Done), commas(f.total))
	}
	s += fmt.Sprintf(" (%s failed) | %.1f rows/s | %s tok/min | $%.4f spent", commas(p.Failed), f.rowsPerSec, short(int64(f.tokensPerMin)), f.spent)
	if f.projected >= 0 {
		s += fmt.Sprintf(", ~$%.4f at the end", f.projected)
	}
	if p.CapUSD > 0 {
		s += fmt.Sprintf(" | cap $%.2f, $%.4f left", p.CapUSD, p.CapLeftUSD)
	}
	if f.eta >= 0 {
		s += " | ETA " + f.eta.Round(time.Second).String()
	}
	if p.Paused > 0 {
		s += fmt.Sprintf(" | paused %.1fs: rate limit", p.Paused.Seconds())
	}
	return s
}

// attrs is the figures as slog attributes for the periodic log line.
func (f figures) attrs(p pipeline.Progress) []any {
	a := []any{"rows_done", p.Done}
	if f.total > 0 {
		a = append(a, "rows_total", f.total, "percent", fmt.Sprintf("%.1f", 100*f.share))
	}
	a = append(a, "ok", p.OK, "failed", p.Failed, "in_flight", p.InFlight,
		"rows_per_s", fmt.Sprintf("%.1f", f.rowsPerSec), "tokens_per_min", int64(f.tokensPerMin),
		"prompt_tokens", p.PromptTokens, "completion_tokens", p.CompletionTokens,
		"cost_usd", fmt.Sprintf("%.4f", f.spent))
	if f.projected >= 0 {
		a = append(a, "projected_cost_usd", fmt.Sprintf("%.4f", f.projected))
	}
	if p.CapUSD > 0 {
		a = append(a, "cap_usd", fmt.Sprintf("%.2f", p.CapUSD), "cap_left_usd", fmt.Sprintf("%.4f", p.CapLeftUSD))
	}
	if f.eta >= 0 {
		a = append(a, "eta", f.eta.Round(time.Second).String())
	}
	return append(a, "retries", p.Retries, "rate_limited", p.Throttled, "paused_s", fmt.Sprintf("%.1f", p.Paused.Seconds()))
}
