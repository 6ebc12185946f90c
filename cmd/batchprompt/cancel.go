package main

import (
	"io"

	"github.com/spf13/cobra"
)

const cancelLong = `cancel stops a --batch-api job's running batches: it asks the Batch API to
cancel each one, waits until they report cancelled (requests already running
may still finish), and commits every result they hold to the state database.
Nothing new is submitted. The rows left without a result stay pending: run the
job again to submit them, or leave them.

It takes the same job file and flags as run.`

// newCancelCmd is `batchprompt cancel JOB`: run's job, in cancel mode.
func newCancelCmd(env Env, stdin io.Reader, stderr io.Writer, res *result, args []string) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:     "cancel [JOB.yaml] [flags]",
		Short:   "Cancel a --batch-api job's batches and collect what they answered",
		Long:    cancelLong,
		Example: "  batchprompt cancel nightly.yaml",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, pos []string) error {
			jobPath := ""
			if len(pos) == 1 {
				jobPath = pos[0]
			}
			f.batchAPI, f.batchCancel = true, true
			return runJob(cmd.Context(), &f, cmd, jobPath, env, stdin, stderr, args, res)
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().SortFlags = false
	return cmd
}
