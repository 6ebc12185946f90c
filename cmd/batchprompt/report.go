package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/batchprompt/batchprompt/internal/atomicfile"
	"github.com/batchprompt/batchprompt/pipeline"
)

// resumeCommand is the command line to run again, shell-quoted.
func resumeCommand(args []string) string {
	parts := []string{"batchprompt"}
	for _, a := range args {
		if a == "--restart" {
			continue // resuming must not start over
		}
		parts = append(parts, shellQuote(a))
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,@%+", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func resumable(code int) bool { return code == exitInterrupted || code == exitBudget }

// report prints the final summary on stderr: as text, or with
// --log-format json as one JSON line like every other line there (the
// --summary file's document, with "msg": "summary").
func report(w io.Writer, s pipeline.Summary, code int, args []string, asJSON bool) {
	if asJSON {
		line := struct {
			Msg string `json:"msg"`
			summaryJSON
		}{"summary", newSummaryJSON(s, code, args)}
		b, _ := json.Marshal(line) // strings, numbers and lists of them
		fmt.Fprintf(w, "%s\n", b)
		return
	}
	el := s.Finished.Sub(s.Started)
	fmt.Fprintf(w, "\n%s: %s\n", headline(s), rowsText(s))
	fmt.Fprintf(w, "  tokens: %d prompt (%d cached), %d completion\n", s.PromptTokens, s.CachedTokens, s.CompletionTokens)
	fmt.Fprintf(w, "  cost:   $%.4f this run, $%.4f for the job so far\n", s.CostUSD, s.SpentUSD)
	if sv := s.Saved; sv.Duplicates+sv.CacheHits > 0 {
		fmt.Fprintf(w, "  saved:  $%.4f: %d duplicate rows and %d cache hits were not sent\n", sv.SavedUSD, sv.Duplicates, sv.CacheHits)
	}
	if b := s.Batch; b.Submitted+b.Live > 0 || b.BatchRows+b.SyncRows > 0 {
		fmt.Fprintf(w, "  batch:  %d rows through the Batch API ($%.4f at batch prices), %d synchronously ($%.4f); %d batches submitted, %d still running\n",
			b.BatchRows, b.BatchCostUSD, b.SyncRows, max(s.CostUSD-b.BatchCostUSD, 0), b.Submitted, b.Live)
	}
	if s.CapUSD > 0 {
		fmt.Fprintf(w, "  cap:    $%.4f (--max-cost), $%.4f left\n", s.CapUSD, s.CapLeftUSD)
	}
	if s.UnknownCost > 0 {
		fmt.Fprintf(w, "  cost unknown for %d rows: the model has no price in the built-in table; give one with --prices FILE\n", s.UnknownCost)
	}
	mins := el.Minutes()
	if mins > 0 {
		fmt.Fprintf(w, "  time:   %s; %d requests (%.0f/min, %.0f tokens/min), %d retries, %d rate-limited (429)\n",
			el.Round(time.Millisecond), s.Requests, float64(s.Requests)/mins,
			float64(s.PromptTokens+s.CompletionTokens)/mins, s.Retries, s.Throttled)
	}
	if l := limitsText(s.Limits); l != "" {
		fmt.Fprintf(w, "  limits: %s\n", l)
	}
	for i, k := range s.ErrorKinds {
		if i == 5 {
			fmt.Fprintf(w, "  … and %d more kinds of error\n", len(s.ErrorKinds)-5)
			break
		}
		fmt.Fprintf(w, "  error %s × %d, e.g. %s\n", k.Kind, k.Count, k.Example)
	}
	for _, o := range s.Outputs {
		fmt.Fprintf(w, "  wrote %s\n", o)
	}
	for _, k := range s.Kept {
		fmt.Fprintf(w, "  kept %s: it holds %d rows, more than this --limit trial's %d; `batchprompt export` writes the job's rows from its state database\n", k.Path, k.Rows, s.Rows)
	}
	fmt.Fprintf(w, "  state: %s\n", s.State)
	if s.Err != nil {
		fmt.Fprintf(w, "  stopped: %v\n", s.Err)
	}
	if resumable(code) {
		fmt.Fprintf(w, "  resume with: %s\n", resumeCommand(args))
	}
	fmt.Fprintf(w, "  exit code %d\n", code)
}

// rowsText says what became of the rows, without contradicting itself
// when the run stopped before every row read had a result.
func rowsText(s pipeline.Summary) string {
	if s.Done >= s.Rows {
		return fmt.Sprintf("%d rows: %d ok, %d failed, %d reused from the state database", s.Rows, s.OK, s.Failed, s.Reused)
	}
	return fmt.Sprintf("%d rows read, %d with a result (%d ok, %d failed, %d reused from the state database), %d not answered yet",
		s.Rows, s.Done, s.OK, s.Failed, s.Reused, s.Rows-s.Done)
}

// limitsText shows the limits that are known; an unknown one is left out
// rather than shown as 0.
func limitsText(l pipeline.Limits) string {
	var parts []string
	if l.RPM > 0 {
		parts = append(parts, fmt.Sprintf("%.0f requests/min", l.RPM))
	}
	if l.TPM > 0 {
		parts = append(parts, fmt.Sprintf("%.0f tokens/min", l.TPM))
	}
	return strings.Join(parts, ", ")
}

func headline(s pipeline.Summary) string {
	switch s.Stop {
	case pipeline.Completed:
		if s.Failed > 0 {
			return "done with errors"
		}
		return "done"
	case pipeline.Interrupted:
		return "interrupted"
	case pipeline.Stalled:
		return "stalled"
	case pipeline.BudgetReached:
		return "stopped by the budget cap"
	case pipeline.Submitted:
		return "submitted, results pending"
	}
	return "failed"
}

// summaryJSON is the --summary file, for schedulers.
type summaryJSON struct {
	Status           string               `json:"status"`
	ExitCode         int                  `json:"exit_code"`
	Error            string               `json:"error,omitempty"`
	Rows             int64                `json:"rows"`
	OK               int64                `json:"ok"`
	Failed           int64                `json:"failed"`
	Reused           int64                `json:"reused"`
	PromptTokens     int64                `json:"prompt_tokens"`
	CachedTokens     int64                `json:"cached_tokens"`
	CompletionTokens int64                `json:"completion_tokens"`
	CostUSD          float64              `json:"cost_usd"`
	UnknownCostRows  int64                `json:"unknown_cost_rows"`
	JobCostUSD       float64              `json:"job_cost_usd"`
	CapUSD           float64              `json:"cap_usd,omitempty"`
	CapLeftUSD       *float64             `json:"cap_left_usd,omitempty"`
	Requests         int64                `json:"requests"`
	Duplicates       int64                `json:"duplicates"`
	CacheHits        int64                `json:"cache_hits"`
	SavedUSD         float64              `json:"saved_usd"`
	Retries          int64                `json:"retries"`
	RateLimited      int64                `json:"rate_limited"`
	ElapsedSeconds   float64              `json:"elapsed_seconds"`
	LimitRPM         float64              `json:"limit_rpm,omitempty"`
	LimitTPM         float64              `json:"limit_tpm,omitempty"`
	Errors           []pipeline.ErrorKind `json:"errors"`
	Outputs          []string             `json:"outputs"`
	KeptOutputs      []string             `json:"kept_outputs,omitempty"`
	State            string               `json:"state"`
	Resume           string               `json:"resume_command,omitempty"`
}

func writeSummaryJSON(path string, s pipeline.Summary, code int, args []string) error {
	out := newSummaryJSON(s, code, args)
	return atomicfile.Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	})
}

func newSummaryJSON(s pipeline.Summary, code int, args []string) summaryJSON {
	out := summaryJSON{
		Status: s.Stop.String(), ExitCode: code, Rows: s.Rows, OK: s.OK, Failed: s.Failed, Reused: s.Reused,
		PromptTokens: s.PromptTokens, CachedTokens: s.CachedTokens, CompletionTokens: s.CompletionTokens,
		CostUSD: s.CostUSD, UnknownCostRows: s.UnknownCost, JobCostUSD: s.SpentUSD, Requests: s.Requests, Retries: s.Retries, RateLimited: s.Throttled,
		ElapsedSeconds: s.Finished.Sub(s.Started).Seconds(), LimitRPM: s.Limits.RPM, LimitTPM: s.Limits.TPM,
		Errors: s.ErrorKinds, Outputs: s.Outputs, State: s.State,
		Duplicates: s.Saved.Duplicates, CacheHits: s.Saved.CacheHits, SavedUSD: s.Saved.SavedUSD,
	}
	if s.CapUSD > 0 {
		out.CapUSD, out.CapLeftUSD = s.CapUSD, &s.CapLeftUSD
	}
	for _, k := range s.Kept {
		out.KeptOutputs = append(out.KeptOutputs, k.Path)
	}
	if out.Errors == nil {
		out.Errors = []pipeline.ErrorKind{}
	}
	if out.Outputs == nil {
		out.Outputs = []string{}
	}
	if s.Err != nil {
		out.Error = s.Err.Error()
	}
	if resumable(code) {
		out.Resume = resumeCommand(args)
	}
	return out
}
