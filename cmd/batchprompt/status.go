package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/batchprompt/batchprompt/pipeline/state"
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
			st, err := state.ReadStatus(cmd.Context(), path)
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
