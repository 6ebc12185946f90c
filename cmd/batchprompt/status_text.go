package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/batchprompt/batchprompt/pipeline/state"
)

// writeStatusText prints st for a person: one labelled line per figure.
func writeStatusText(w io.Writer, st state.JobStatus) error {
	var b strings.Builder
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-11s %s\n", label, fmt.Sprintf(format, args...))
	}
	line("state", "%s (run %d)", st.State, st.Run)
	job := st.Model
	switch {
	case st.Template != "":
		job += fmt.Sprintf(", template %q", st.Template)
		if st.TemplateLines > 1 {
			job += fmt.Sprintf(" (+%d more lines)", st.TemplateLines-1)
		}
	case st.PromptColumn != "":
		job += fmt.Sprintf(", prompt from column %q", st.PromptColumn)
	}
	line("job", "%s", job)
	if st.IDColumn != "" || len(st.Keep) > 0 {
		id := "row number"
		if st.IDColumn != "" {
			id = fmt.Sprintf("column %q", st.IDColumn)
		}
		keep := ""
		if len(st.Keep) > 0 {
			keep = "; keeps " + strings.Join(st.Keep, ", ")
		}
		line("", "rows identified by %s%s", id, keep)
	}
	line("progress", "%s", progressText(st))
	line("rows", "%s ok, %s failed, %s pending", commas(st.OK), commas(st.Failed), commas(st.Pending))
	if st.RetryOnRerun > 0 {
		line("", "%s of the failed rows ran out of retries: the next run sends them again", commas(st.RetryOnRerun))
	}
	tokens := fmt.Sprintf("%s prompt (%s cached), %s completion", commas(st.PromptTokens), commas(st.CachedTokens), commas(st.CompletionTokens))
	if st.ReasoningTokens > 0 {
		tokens += fmt.Sprintf(" (%s reasoning)", commas(st.ReasoningTokens))
	}
	line("tokens", "%s", tokens)
	cost := fmt.Sprintf("$%.4f for these rows, $%.4f paid over all runs", st.CostUSD, st.SpentUSD)
	if st.UnknownCostRows > 0 {
		cost += fmt.Sprintf("; %s ok rows have no known price (not included)", commas(st.UnknownCostRows))
	}
	line("cost", "%s", cost)
	for i, bt := range st.Batches {
		label := ""
		if i == 0 {
			label = "batches"
		}
		line(label, "%s", batchText(bt))
	}
	if st.LastStop != "" {
		line("last run", "%s", st.LastStop)
	}
	if st.LastError != "" {
		line("last error", "%s", st.LastError)
	}
	if len(st.Outputs) > 0 {
		line("outputs", "%s", strings.Join(st.Outputs, ", "))
	}
	if !st.Complete && st.Run > 0 {
		line("next", "rerun the same `batchprompt run` command to finish the job;")
		line("", "`batchprompt export --state %s -o PATH --partial` writes the rows so far", shellQuote(st.State))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func progressText(st state.JobStatus) string {
	switch {
	case st.Run == 0:
		return "not started"
	case st.Complete:
		s := fmt.Sprintf("complete: %s rows, every one with a result", commas(st.OK+st.Failed))
		if !st.CompleteRecorded {
			s += " (inferred: this state database does not record completion)"
		}
		return s
	case st.Missing != nil && st.RowsTotal != nil:
		return fmt.Sprintf("not complete: %s of %s rows missing (%s pending, %s not yet read)",
			commas(*st.Missing), commas(*st.RowsTotal), commas(st.Pending), commas(*st.Missing-st.Pending))
	default:
		return fmt.Sprintf("not complete: %s rows pending; the input has not been read to its end, so more may be missing",
			commas(st.Pending))
	}
}

// batchText is one Batch API batch on one line: id, model, status,
// counts, round, created and expiry.
func batchText(b state.JobBatch) string {
	s := fmt.Sprintf("%s %s %s: %s of %s done, %s failed, round %d", b.ID, b.Model, b.Status,
		commas(int64(b.Completed)), commas(int64(b.Requests)), commas(int64(b.Failed)), b.Round)
	if !b.Created.IsZero() {
		s += ", created " + b.Created.Format("2006-01-02 15:04 MST")
	}
	if !b.Expires.IsZero() && (b.Status == "validating" || b.Status == "in_progress" || b.Status == "finalizing") {
		s += ", expires " + b.Expires.Format("2006-01-02 15:04 MST")
	}
	if b.Error != "" {
		s += " (" + b.Error + ")"
	}
	return s
}
