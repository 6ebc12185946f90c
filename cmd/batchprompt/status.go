package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/pipeline"
)

const statusLong = `status reads a job's state database and tells how far the job is: rows with
a result (ok, failed), rows pending (sent but not answered, or out of
transient retries: the next run sends them again), rows missing, tokens and
cost so far, the last error, whether the job is complete, and which job the
database belongs to (model, first line of the template).

It only reads: it is safe to run while the job runs, and it needs no key.

Name the database with --state, or give the job file and status finds it the
way run does (--state in the file, or <job file>.state.db; add --simulate for
the state of --simulate runs, <job file>.sim.state.db).

--json prints the same as one JSON object with stable snake_case keys, for
schedulers and scripts. rows_total and missing are null while the input has
not been read to its end; complete_recorded is false for a state database
that does not record completion (complete is then inferred: no row pending).

Exit codes: 0 status printed (whatever the job's state); 1 the state database
is missing or unreadable; 2 usage error.`

const statusExample = `  # How far is the nightly job?
  batchprompt status jobs/nightly.yaml

  # The same, naming the state database directly:
  batchprompt status --state jobs/nightly.state.db

  # Alert when a job has failed rows (jq exits 1 when the test is false):
  batchprompt status jobs/nightly.yaml --json | jq -e '.failed == 0'

  # After a trial on the simulator:
  batchprompt status examples/summarise/job.yaml --simulate`

// stateFlags are how status and export find a job's state database.
type stateFlags struct {
	state    string
	simulate bool
}

func (s *stateFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&s.state, "state", "", "the job's state database; default: found from the job file as run finds it")
	fs.BoolVar(&s.simulate, "simulate", false, "the state database of --simulate runs (<job>.sim.state.db)")
}

// locateState settles the state database path the way run would, and the
// job file's own output paths (nil without a job file). Only the settings
// that locate files are needed, so template and system files are not read:
// status must work after they moved.
func locateState(sf stateFlags, jobPath string, env Env) (string, []string, error) {
	if jobPath == "" {
		if sf.state == "" {
			return "", nil, &usageError{errors.New("name the job: give JOB.yaml or --state PATH")}
		}
		return sf.state, nil, nil
	}
	var rf runFlags
	fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
	rf.register(fs)
	if sf.state != "" {
		_ = fs.Set("state", sf.state) // a plain string flag cannot fail
	}
	if sf.simulate {
		_ = fs.Set("simulate", "true")
	}
	jf, err := readJobFile(jobPath, fs)
	if err != nil {
		return "", nil, err
	}
	if err := applyLayers(fs, jf, env); err != nil {
		return "", nil, err
	}
	rf.templateFile, rf.systemFile = "", ""
	job, err := buildJob(&rf, fs, jobPath)
	if err != nil {
		return "", nil, err
	}
	return job.State, job.Outputs, nil
}

// openExistingState opens a state database that must already exist:
// checkpoint.Open would create an empty one, hiding a wrong path.
func openExistingState(ctx context.Context, path string) (*checkpoint.DB, error) {
	if _, err := os.Stat(path); err != nil {
		hint := ""
		if sim := strings.TrimSuffix(path, ".state.db") + ".sim.state.db"; sim != path {
			if _, err := os.Stat(sim); err == nil {
				hint = fmt.Sprintf(" (%s exists: add --simulate for the simulated runs)", sim)
			}
		}
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("state database %s does not exist: the job has not run yet%s", path, hint)
		}
		return nil, fmt.Errorf("state database %s: %w", path, err)
	}
	return checkpoint.Open(ctx, path)
}

// jobStatus is what status reports, and what export decides from. Its JSON
// keys are stable: scripts depend on them.
type jobStatus struct {
	State            string   `json:"state"`
	Run              int64    `json:"run"`
	Complete         bool     `json:"complete"`
	CompleteRecorded bool     `json:"complete_recorded"`
	LastStop         string   `json:"last_stop"`
	RowsTotal        *int64   `json:"rows_total"`
	Rows             int64    `json:"rows"`
	OK               int64    `json:"ok"`
	Failed           int64    `json:"failed"`
	Pending          int64    `json:"pending"`
	Missing          *int64   `json:"missing"`
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
}

// metaRowsTotal is the input's row count (after --limit), recorded by a
// run that read its input to the end; absent otherwise. The other meta
// keys are pipeline's (pipeline.MetaOutputs and the like). Any of them may
// be absent, in a database written before they existed, and is then read
// as unknown.
const metaRowsTotal = "rows_total"

// readStatus gathers a database's status. Cost: one scan of the current
// run's rows (Totals) and a few point reads.
func readStatus(ctx context.Context, db *checkpoint.DB) (jobStatus, error) {
	st := jobStatus{State: db.Path(), Keep: []string{}, Outputs: []string{}}
	var err error
	if st.Run, err = db.Run(ctx); err != nil {
		return st, err
	}
	t, err := db.Totals(ctx)
	if err != nil {
		return st, err
	}
	st.Rows, st.OK, st.Failed, st.Pending = t.Rows, t.OK, t.Failed, t.Pending
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
	if k := fp["keep"]; k != "" {
		st.Keep = strings.Split(k, ",")
	}
	meta := func(key string) string {
		if err != nil {
			return ""
		}
		var v string
		v, _, err = db.Meta(ctx, key)
		return v
	}
	outputs, complete, stop := meta(pipeline.MetaOutputs), meta(pipeline.MetaComplete), meta(pipeline.MetaStop)
	rowsTotal, rowsLast := meta(metaRowsTotal), meta(pipeline.MetaRows)
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
	return st, nil
}

func newStatusCmd(env Env, stdout, stderr io.Writer) *cobra.Command {
	var sf stateFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "status [JOB.yaml | --state PATH] [--json]",
		Short:   "Show how far a job is: rows done, failed, pending, tokens, cost",
		Long:    statusLong,
		Example: statusExample,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, pos []string) error {
			jobPath := ""
			if len(pos) == 1 {
				jobPath = pos[0]
			}
			path, _, err := locateState(sf, jobPath, env)
			if err != nil {
				return err
			}
			db, err := openExistingState(cmd.Context(), path)
			if err != nil {
				return &commandError{err}
			}
			defer db.Close()
			st, err := readStatus(cmd.Context(), db)
			if err != nil {
				return &commandError{err}
			}
			if asJSON {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				err = enc.Encode(st)
			} else {
				err = writeStatusText(stdout, st)
			}
			if err != nil {
				return &commandError{fmt.Errorf("write status: %w", err)}
			}
			return nil
		},
	}
	cmd.SetErr(stderr)
	sf.register(cmd.Flags())
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return cmd
}

// writeStatusText prints st for a person: one labelled line per figure.
func writeStatusText(w io.Writer, st jobStatus) error {
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
	line("rows", "%s ok, %s failed, %s pending", groupDigits(st.OK), groupDigits(st.Failed), groupDigits(st.Pending))
	tokens := fmt.Sprintf("%s prompt (%s cached), %s completion", groupDigits(st.PromptTokens), groupDigits(st.CachedTokens), groupDigits(st.CompletionTokens))
	if st.ReasoningTokens > 0 {
		tokens += fmt.Sprintf(" (%s reasoning)", groupDigits(st.ReasoningTokens))
	}
	line("tokens", "%s", tokens)
	cost := fmt.Sprintf("$%.4f for these rows, $%.4f paid over all runs", st.CostUSD, st.SpentUSD)
	if st.UnknownCostRows > 0 {
		cost += fmt.Sprintf("; %s ok rows have no known price (not included)", groupDigits(st.UnknownCostRows))
	}
	line("cost", "%s", cost)
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

func progressText(st jobStatus) string {
	switch {
	case st.Run == 0:
		return "not started"
	case st.Complete:
		s := fmt.Sprintf("complete: %s rows, every one with a result", groupDigits(st.OK+st.Failed))
		if !st.CompleteRecorded {
			s += " (inferred: this state database does not record completion)"
		}
		return s
	case st.Missing != nil && st.RowsTotal != nil:
		return fmt.Sprintf("not complete: %s of %s rows missing (%s pending, %s not yet read)",
			groupDigits(*st.Missing), groupDigits(*st.RowsTotal), groupDigits(st.Pending), groupDigits(*st.Missing-st.Pending))
	default:
		return fmt.Sprintf("not complete: %s rows pending; the input has not been read to its end, so more may be missing",
			groupDigits(st.Pending))
	}
}

// groupDigits writes n with thousands separators: 1234567 → 1,234,567.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
