package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

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
	if st.Keep, err = pipeline.KeptColumns(ctx, db); err != nil {
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
