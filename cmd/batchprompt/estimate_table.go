package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/batchprompt/batchprompt/pipeline"
)

// writeEstimateTable prints the estimate for people: aligned sections,
// the price table's source and date, and the first problem rows.
func writeEstimateTable(out io.Writer, input string, e pipeline.EstimateReport, header string) error {
	w := &errWriter{w: out}
	p := e.Price
	w.printf("Estimate for %s with %s (%s)\n", input, e.Model, header)
	if e.Priced {
		w.printf("Prices:  %s, from %s\n", p.Model, e.PriceSource)
		w.printf("         $%s in, $%s out per 1M tokens; Batch API $%s in, $%s out; input limit %s, output cap %s\n\n",
			rate(p.Input), rate(p.Output), rate(p.BatchInput), rate(p.BatchOutput), limitText(p.ContextWindow), limitText(p.MaxOutput))
	} else {
		w.printf("Prices:  %s is not in the price table (%s): the cost is unknown; add it with --prices FILE\n\n", e.Model, e.PriceSource)
	}

	tw := newTable(w, false, true, false)
	tw.row("Rows", commas(e.Rows), "")
	tw.row("  billed requests", commas(e.Requests), "")
	if e.Duplicates > 0 {
		tw.row("  duplicates", commas(e.Duplicates), "repeat another row's request: sent once, copied at no cost (--no-dedupe sends them)")
	}
	if e.CacheHits > 0 {
		tw.row("  cache hits", commas(e.CacheHits), "answered by the --cache file: not sent, no cost")
	}
	if e.Failed > 0 {
		var kinds []string
		for _, k := range []struct {
			n    int64
			what string
		}{{e.ParseErrors, "do not parse"}, {e.RenderErrors, "do not render"}, {e.IDErrors, "have an empty id"}} {
			if k.n > 0 {
				kinds = append(kinds, commas(k.n)+" "+k.what)
			}
		}
		tw.row("  cannot be sent", commas(e.Failed), strings.Join(kinds, ", ")+": run writes error rows for them")
	}
	if e.OverInput > 0 {
		tw.row("  over the input limit", commas(e.OverInput), fmt.Sprintf("prompt over %s tokens: the API rejects them", commas(p.ContextWindow)))
	}
	if e.OverTPM > 0 {
		tw.row("  over --tpm", commas(e.OverTPM), "prompt + output cap exceeds --tpm: never sendable; lower --max-tokens")
	}
	if e.Tight > 0 {
		tw.row("  tight", commas(e.Tight), fmt.Sprintf("prompt + output cap over %s: answers may be cut short (rejected with --max-tokens)", commas(p.ContextWindow)))
	}
	t := e.PromptTokens
	tw.row("Prompt tokens", commas(t.Total), fmt.Sprintf("exact; per row mean %.1f, p50 %s, p95 %s, max %s", t.Mean, commas(t.P50), commas(t.P95), commas(t.Max)))
	o := e.Output
	perRow := fmt.Sprintf("per row %s (%s) to %s (%s)", commas(o.PerRowLow), lowSourceText(o.LowSource), commas(o.PerRowHigh), highSourceText(o.HighSource))
	if o.PerRowLow == o.PerRowHigh {
		perRow = fmt.Sprintf("per row %s (%s)", commas(o.PerRowHigh), highSourceText(o.HighSource))
	}
	tw.row("Output tokens", commas(o.TotalLow)+" – "+commas(o.TotalHigh), perRow)
	tw.flush()

	w.printf("\n")
	if e.Cost != nil {
		ct := newTable(w, false, true, true)
		ct.row("Cost (USD)", "low", "high")
		ct.row("  standard", usd(e.Cost.StandardLow), usd(e.Cost.StandardHigh))
		ct.row("  Batch API", usd(e.Cost.BatchLow), usd(e.Cost.BatchHigh))
		ct.flush()
	} else {
		w.printf("Cost (USD): unknown (no price for %s)\n", e.Model)
	}

	w.printf("\nDuration: %s\n", durationText(e.Duration))
	if len(e.Problems) > 0 {
		w.printf("\nFirst rows that would not be sent:\n")
		pt := newTable(w, false, true, false)
		for _, pr := range e.Problems {
			pt.row("  "+pr.Position, "row "+commas(pr.Row), pr.Kind+": "+pr.Error)
		}
		pt.flush()
	}
	return w.err
}

func durationText(d pipeline.DurationEstimate) string {
	if !d.Known {
		return "unknown: " + d.Hint
	}
	rpm := fmt.Sprintf("--rpm %s: %s", commas(int64(d.RPM)), humanDuration(d.ByRPM))
	tpm := fmt.Sprintf("--tpm %s: %s for %s tokens charged", commas(int64(d.TPM)), humanDuration(d.ByTPM), commas(d.TPMCharge))
	switch {
	case d.LowerBound && d.Binds == pipeline.BindsRPM:
		return fmt.Sprintf("at least %s (%s); %s", humanDuration(d.Total), rpm, d.Hint)
	case d.LowerBound:
		return fmt.Sprintf("at least %s (%s); %s", humanDuration(d.Total), tpm, d.Hint)
	case d.Binds == pipeline.BindsRPM:
		return fmt.Sprintf("%s; the request limit binds (%s; %s)", humanDuration(d.Total), rpm, tpm)
	}
	return fmt.Sprintf("%s; the token limit binds (%s; %s)", humanDuration(d.Total), tpm, rpm)
}

func lowSourceText(s string) string {
	if s == "default" {
		return "default; set --expect-output-tokens"
	}
	return "--expect-output-tokens"
}

func highSourceText(s string) string {
	switch s {
	case "max-tokens":
		return "--max-tokens"
	case "model":
		return "model maximum; --max-tokens lowers it"
	case "embeddings":
		return "embeddings have no output"
	}
	return "assumed; set --max-tokens"
}

// errWriter keeps the first write error, so the table code need not check
// every line.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }

// table aligns rows of cells in columns, each left- or right-aligned
// (text/tabwriter aligns all columns the same way).
type table struct {
	w     io.Writer
	right []bool // per column: align right
	rows  [][]string
}

func newTable(w io.Writer, right ...bool) *table { return &table{w: w, right: right} }

func (t *table) row(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) flush() {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range t.rows {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if i < len(t.right) && t.right[i] {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
		}
		fmt.Fprintln(t.w, strings.TrimRight(b.String(), " "))
	}
	t.rows = nil
}

// commas writes n with thousands separators: 1234567 → "1,234,567".
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// usd shows cents from a dollar up and four significant digits below,
// so a small job does not read as $0.00.
func usd(v float64) string {
	switch {
	case v <= 0:
		return "$0.00"
	case v < 1:
		decimals := 3 - int(math.Floor(math.Log10(v)))
		return "$" + strconv.FormatFloat(v, 'f', decimals, 64)
	}
	cents := int64(math.Round(v * 100))
	return fmt.Sprintf("$%s.%02d", commas(cents/100), cents%100)
}

// rate shows a per-1M price with at least cents and every digit it has:
// 0.15, 0.075, 10.00.
func rate(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i < 0 {
		s += ".00"
	} else if len(s)-i == 2 {
		s += "0"
	}
	return s
}

func limitText(n int64) string {
	if n <= 0 {
		return "unknown"
	}
	return commas(n)
}

// humanDuration rounds to what a person plans with: 42s, 12m 30s, 3h 25m,
// 4d 3h.
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return d.Round(time.Second).String()
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm %02ds", d/time.Minute, d%time.Minute/time.Second)
	case d < 48*time.Hour:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%dh %02dm", d/time.Hour, d%time.Hour/time.Minute)
	}
	d = d.Round(time.Hour)
	return fmt.Sprintf("%dd %dh", d/(24*time.Hour), d%(24*time.Hour)/time.Hour)
}
