package estimate

import (
	"encoding/json"
	"math"
	"time"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/pace"
)

// Which limit sets a job's duration; see [DurationEstimate].
const (
	BindsRPM = "rpm"
	BindsTPM = "tpm"
)

// DurationEstimate is how long a job's requests take when they are sent as
// fast as the rate limits allow: requests / RPM minutes, and, since every
// request is charged prompt + output cap tokens up front (budget.TPMCharge),
// Σ charges / TPM minutes; the larger wins. It assumes the concurrency and
// the server's latency keep up with the limits, which they do for the
// default concurrency unless answers take longer than concurrency / RPM
// minutes each.
type DurationEstimate struct {
	// Known is false when neither limit was given: Hint says what to pass.
	Known bool
	// Total is the expected duration, the larger of ByRPM and ByTPM.
	Total time.Duration
	// Binds names the limit that sets Total: BindsRPM or BindsTPM.
	Binds string
	// ByRPM and ByTPM are the durations each limit alone imposes; zero
	// when that limit is unknown.
	ByRPM, ByTPM time.Duration
	// RPM and TPM are the limits used (zero when unknown); TPMCharge is the
	// total tokens charged against the TPM limit.
	RPM, TPM  float64
	TPMCharge int64
	// LowerBound is set when only one limit is known: the other may bind
	// and make the job longer.
	LowerBound bool
	// Hint tells what to pass for a (complete) duration; "" when Known
	// and not LowerBound.
	Hint string
}

const limitsHint = "your limits are listed per model at https://platform.openai.com/settings/organization/limits"

// estimateDuration returns the duration of requests whose total TPM charge
// is charge under l.
func estimateDuration(requests, charge int64, l pace.Limits) DurationEstimate {
	d := DurationEstimate{RPM: max(l.RPM, 0), TPM: max(l.TPM, 0), TPMCharge: charge}
	minutes := func(n int64, perMin float64) time.Duration {
		m := float64(n) / perMin * float64(time.Minute)
		return time.Duration(min(m, math.MaxInt64))
	}
	if d.RPM > 0 {
		d.ByRPM = minutes(requests, d.RPM)
	}
	if d.TPM > 0 {
		d.ByTPM = minutes(charge, d.TPM)
	}
	switch {
	case d.RPM <= 0 && d.TPM <= 0:
		d.Hint = "pass --rpm and --tpm for an expected duration (" + limitsHint + ")"
		return d
	case d.RPM <= 0:
		d.LowerBound = true
		d.Hint = "pass --rpm too: the request limit may bind instead"
	case d.TPM <= 0:
		d.LowerBound = true
		d.Hint = "pass --tpm too: the token limit may bind instead (each request is charged prompt + output cap)"
	}
	d.Known = true
	d.Total, d.Binds = d.ByRPM, BindsRPM
	if d.ByTPM > d.ByRPM {
		d.Total, d.Binds = d.ByTPM, BindsTPM
	}
	return d
}

// MarshalJSON writes durations as seconds.
func (d DurationEstimate) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Known        bool    `json:"known"`
		Seconds      float64 `json:"seconds"`
		Binds        string  `json:"binds"`
		ByRPMSeconds float64 `json:"by_rpm_seconds"`
		ByTPMSeconds float64 `json:"by_tpm_seconds"`
		RPM          float64 `json:"rpm"`
		TPM          float64 `json:"tpm"`
		TPMCharge    int64   `json:"tpm_charge"`
		LowerBound   bool    `json:"lower_bound"`
		Hint         string  `json:"hint"`
	}{d.Known, d.Total.Seconds(), d.Binds, d.ByRPM.Seconds(), d.ByTPM.Seconds(),
		d.RPM, d.TPM, d.TPMCharge, d.LowerBound, d.Hint})
}

// outputRange settles the per-request output range and its totals over
// requests.
func outputRange(maxTokens *int64, expect int64, price budget.Price, requests int64) OutputRange {
	o := OutputRange{LowSource: "expect-output-tokens"}
	o.PerRowHigh, o.HighSource = maxOutputFor(maxTokens, price)
	if expect <= 0 {
		expect, o.LowSource = DefaultExpectOutputTokens, "default"
	}
	o.PerRowLow = min(expect, o.PerRowHigh)
	o.TotalLow, o.TotalHigh = requests*o.PerRowLow, requests*o.PerRowHigh
	return o
}

// costRange prices the billed prompt tokens with both ends of the output
// range, uncached.
func costRange(price budget.Price, promptTokens int64, o OutputRange) CostRange {
	lo := budget.Usage{PromptTokens: promptTokens, CompletionTokens: o.TotalLow}
	hi := budget.Usage{PromptTokens: promptTokens, CompletionTokens: o.TotalHigh}
	return CostRange{
		StandardLow: roundUSD(price.Cost(lo)), StandardHigh: roundUSD(price.Cost(hi)),
		BatchLow: roundUSD(price.BatchCost(lo)), BatchHigh: roundUSD(price.BatchCost(hi)),
	}
}

// roundUSD drops float noise below a hundredth of a micro-dollar, so JSON
// shows 0.0098766 rather than 0.009876600000000001.
func roundUSD(v float64) float64 {
	return math.Round(v*1e8) / 1e8
}

// maxOutputFor is the output cap every request is charged for:
// --max-tokens, else the model's maximum output, else
// budget.FallbackMaxOutput, the renderer's rule, with where it came from.
func maxOutputFor(maxTokens *int64, price budget.Price) (int64, string) {
	switch {
	case maxTokens != nil:
		return *maxTokens, "max-tokens"
	case price.MaxOutput > 0:
		return price.MaxOutput, "model"
	}
	return budget.FallbackMaxOutput, "fallback"
}
