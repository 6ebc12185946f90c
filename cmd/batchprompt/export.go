package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/batchprompt/batchprompt/pipeline"
	"github.com/batchprompt/batchprompt/pipeline/state"
)

const exportLong = `export writes output files from a job's state database, at any time, in
input order, in any of run's formats (.jsonl, .csv, .tsv, .parquet, chosen by
each extension). Files are published whole (written beside the target, then
renamed), so a reader never sees half a file.

For a complete job the files are exactly what run writes. For a job that is
not complete (stopped, still running, or with rows pending) export refuses
unless given --partial; it then writes only the rows that have a result (ok
or failed), says how many are missing, and refuses to write over the job's
own output paths: those are reserved for the whole result, which run writes
once the job is complete.

Name the database with --state, or give the job file (as for status).

Exit codes: 0 written; 1 the state database is missing or unreadable, or a
file could not be written; 2 usage error, including an unfinished job
without --partial.`

const exportExample = `  # The job stopped overnight: look at what is there so far.
  batchprompt export jobs/nightly.yaml -o /tmp/so-far.csv --partial

  # The same rows as JSONL and Parquet at once, naming the database:
  batchprompt export --state jobs/nightly.state.db -o a.jsonl -o a.parquet --partial

  # The job is complete, but its Parquet output was deleted: write it again.
  batchprompt export jobs/nightly.yaml -o out/summaries.parquet`

// exportFlags are export's settings.
type exportFlags struct {
	stateFlags
	outputs []string
	partial bool
}

func newExportCmd(env Env, stdout, stderr io.Writer) *cobra.Command {
	var f exportFlags
	cmd := &cobra.Command{
		Use:     "export [JOB.yaml | --state PATH] -o PATH... [--partial]",
		Short:   "Write output files from a job's state database, even an unfinished one",
		Long:    exportLong,
		Example: exportExample,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, pos []string) error {
			jobPath := ""
			if len(pos) == 1 {
				jobPath = pos[0]
			}
			return runExport(cmd.Context(), f, jobPath, env, stderr)
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	fs := cmd.Flags()
	fs.StringArrayVarP(&f.outputs, "output", "o", nil, "file to write, repeatable: .jsonl, .csv, .tsv or .parquet")
	fs.BoolVar(&f.partial, "partial", false, "allow exporting a job that is not complete: only rows with a result are written")
	f.stateFlags.register(fs)
	return cmd
}

// runExport writes every output through state.Export and says what it
// wrote. Mistakes the user fixes with flags come back as *usageError, the
// rest as *commandError.
func runExport(ctx context.Context, f exportFlags, jobPath string, env Env, stderr io.Writer) error {
	path, jobOutputs, err := locateState(f.stateFlags, jobPath, env)
	if err != nil {
		return err
	}
	res, err := state.Export(ctx, state.ExportSpec{State: path, Outputs: f.outputs, Partial: f.partial, JobOutputs: jobOutputs})
	var ie *state.IncompleteError
	var ce *pipeline.ConfigError
	switch {
	case errors.As(err, &ie):
		return &usageError{errors.New(ie.Message(commas))}
	case errors.As(err, &ce):
		return &usageError{err}
	case err != nil:
		return &commandError{err}
	}
	for _, o := range f.outputs {
		if res.Partial {
			fmt.Fprintf(stderr, "wrote %s: %s rows with a result; %s\n", o, commas(res.Rows), res.Status.MissingText(commas))
		} else {
			fmt.Fprintf(stderr, "wrote %s: %s rows, the job is complete\n", o, commas(res.Rows))
		}
	}
	return nil
}
