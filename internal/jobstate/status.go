package jobstate

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/batchprompt/batchprompt/checkpoint"
)

// Status is how far a job is, as status reports it and export decides
// from. Its JSON keys are stable: scripts depend on them.
type Status struct {
	State            string   `json:"state"`
	Run              int64    `json:"run"`
	Complete         bool     `json:"complete"`
	CompleteRecorded bool     `json:"complete_recorded"`
	LastStop         string   `json:"last_stop"`
	RowsTotal        *int64   `json:"rows_total"` // nil until a run read the input to its end
	Rows             int64    `json:"rows"`
	OK               int64    `json:"ok"`
	Failed           int64    `json:"failed"`
	Pending          int64    `json:"pending"`
	RetryOnRerun     int64    `json:"retry_on_rerun"` // failed rows that ran out of retries: the next run sends them again
	Missing          *int64   `json:"missing"`        // pending plus not yet read; nil when unknown
	PromptTokens     int64    `json:"prompt_tokens"`
	CachedTokens     int64    `json:"cached_tokens"`
	CompletionTokens int64    `json:"completion_tokens"`
	ReasoningTokens  int64    `json:"reasoning_tokens"`
	CostUSD          float64  `json:"cost_usd"`
	UnknownCostRows  int64    `json:"unknown_cost_rows"`
	SpentUSD         float64  `json:"spent_usd"`
	LastError        string   `json:"last_error"`
	Model            string   `json:"model"`
	Template         string   `json:"template_first_line"`
	TemplateLines    int      `json:"template_lines"`
	PromptColumn     string   `json:"prompt_column"`
	IDColumn         string   `json:"id_column"`
	Keep             []string `json:"keep"`
	Outputs          []string `json:"outputs"`
	Batches          []Batch  `json:"batches,omitempty"` // a --batch-api job's batches, oldest first
}

// ReadStatus gathers db's status: this is the one definition of whether a
// job is complete. It only reads. Cost: one scan of the current run's
// rows (Totals) and a few point reads.
func ReadStatus(ctx context.Context, db *checkpoint.DB) (Status, error) {
	st := Status{State: db.Path(), Outputs: []string{}}
	var err error
	if st.Run, err = db.Run(ctx); err != nil {
		return st, err
	}
	t, err := db.Totals(ctx)
	if err != nil {
		return st, err
	}
	// Rows that ran out of retries are stored pending, so the next run
	// sends them, but they have an error result: failed, as StateOf says.
	st.Rows, st.OK, st.Failed, st.Pending = t.Rows, t.OK, t.Failed+t.GaveUp, t.Pending-t.GaveUp
	st.RetryOnRerun = t.GaveUp
	st.PromptTokens, st.CachedTokens, st.CompletionTokens, st.ReasoningTokens = t.PromptTokens, t.CachedTokens, t.CompletionTokens, t.ReasoningTokens
	st.CostUSD, st.UnknownCostRows, st.LastError = t.CostUSD, t.UnknownCost, t.LastError
	if st.SpentUSD, err = db.Spent(ctx); err != nil {
		return st, err
	}
	fp, _, err := db.Fingerprint(ctx)
	if err != nil {
		return st, err
	}
	st.Model, st.PromptColumn, st.IDColumn = fp["model"], fp["prompt_column"], fp["id_column"]
	if tmpl := strings.TrimRight(fp["template"], "\r\n"); tmpl != "" {
		lines := strings.Split(tmpl, "\n")
		st.Template, st.TemplateLines = strings.TrimRight(lines[0], "\r"), len(lines)
	}
	if st.Keep, err = KeptColumns(ctx, db); err != nil {
		return st, err
	}
	if st.Batches, err = readBatches(ctx, db); err != nil {
		return st, err
	}
	meta := func(key string) string {
		if err != nil {
			return ""
		}
		var v string
		v, _, err = db.Meta(ctx, key)
		return v
	}
	outputs, complete, stop := meta(MetaOutputs), meta(MetaComplete), meta(MetaStop)
	rowsTotal, rowsLast := meta(MetaTotal), meta(MetaRows)
	if err != nil {
		return st, err
	}
	st.LastStop = stop
	if outputs != "" {
		// A malformed value is treated as absent: status must not fail on it.
		var paths []string
		if json.Unmarshal([]byte(outputs), &paths) == nil && paths != nil {
			st.Outputs = paths
		}
	}
	if n, perr := strconv.ParseInt(rowsTotal, 10, 64); perr == nil && n >= 0 {
		st.RowsTotal = &n
	}
	st.judge(complete, rowsLast)
	return st, nil
}

// judge settles Complete and Missing from the rows and the outcome the
// last run recorded (complete and rows, "" when absent).
func (st *Status) judge(complete, rowsLast string) {
	switch complete {
	case "true", "false":
		st.CompleteRecorded = true
		// The outcome is recorded when a run ends: a run killed since may
		// have left a "true" from an earlier run. Rows pending, or fewer
		// rows in this run than the recorded run saw, give that away.
		st.Complete = complete == "true" && st.Run > 0 && st.Pending == 0
		if n, perr := strconv.ParseInt(rowsLast, 10, 64); perr == nil && st.Complete {
			if st.Rows < n {
				st.Complete = false
			} else if st.RowsTotal == nil {
				st.RowsTotal = &n
			}
		}
	default:
		st.Complete = st.Run > 0 && st.Pending == 0 && st.Rows > 0 &&
			(st.RowsTotal == nil || *st.RowsTotal <= st.Rows)
	}
	switch {
	case st.Complete:
		st.Missing = new(int64)
	case st.RowsTotal != nil:
		m := st.Pending + max(0, *st.RowsTotal-st.Rows)
		st.Missing = &m
	}
}

// MissingText says how many rows an unfinished job lacks, each count
// formatted by num (strconv-like, or grouping thousands).
func (st Status) MissingText(num func(int64) string) string {
	if st.Missing != nil {
		return fmt.Sprintf("%s rows missing (%s pending, %s not yet read)",
			num(*st.Missing), num(st.Pending), num(*st.Missing-st.Pending))
	}
	return fmt.Sprintf("at least %s rows missing (pending), more if the input was not read to its end", num(st.Pending))
}

// itoa formats n in decimal: the plain formatter for messages.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
