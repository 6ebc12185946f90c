package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/pipeline"
	"github.com/batchprompt/batchprompt/writers"
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

// runExport checks the request, then writes every output. Mistakes the user
// fixes with flags come back as *usageError, the rest as *commandError.
func runExport(ctx context.Context, f exportFlags, jobPath string, env Env, stderr io.Writer) error {
	if len(f.outputs) == 0 {
		return &usageError{errors.New("no output: give -o PATH (repeatable)")}
	}
	for i, o := range f.outputs {
		if _, err := writers.FormatFromPath(o); err != nil {
			return &usageError{fmt.Errorf("output %s: %w", o, err)}
		}
		for _, p := range f.outputs[:i] {
			if samePath(o, p) {
				return &usageError{fmt.Errorf("output %s is given twice", o)}
			}
		}
	}
	path, jobOutputs, err := locateState(f.stateFlags, jobPath, env)
	if err != nil {
		return err
	}
	db, err := openExistingState(ctx, path)
	if err != nil {
		return &commandError{err}
	}
	defer db.Close()
	st, err := readStatus(ctx, db)
	if err != nil {
		return &commandError{err}
	}
	if st.Run == 0 {
		return &commandError{fmt.Errorf("state database %s: the job has not started: nothing to export", path)}
	}
	schema := (&pipeline.Job{IDColumn: st.IDColumn, Keep: st.Keep}).Schema()
	for _, o := range f.outputs {
		if err := os.MkdirAll(filepath.Dir(o), 0o755); err != nil {
			return &commandError{fmt.Errorf("output %s: %w", o, err)}
		}
	}
	if st.Complete {
		if err := pipeline.WriteOutputs(ctx, db, f.outputs, schema); err != nil {
			return &commandError{err}
		}
		for _, o := range f.outputs {
			fmt.Fprintf(stderr, "wrote %s: %s rows, the job is complete\n", o, commas(st.OK+st.Failed))
		}
		return nil
	}
	missing := missingText(st)
	if !f.partial {
		return &usageError{fmt.Errorf("the job in %s is not complete: %s; pass --partial to write the %s rows that have a result",
			path, missing, commas(st.OK+st.Failed))}
	}
	own := append(append([]string(nil), st.Outputs...), jobOutputs...)
	for _, o := range f.outputs {
		for _, j := range own {
			if samePath(o, j) {
				return &usageError{fmt.Errorf("output %s is one of the job's own outputs, which run writes whole once the job is complete; export the partial result to another path", o)}
			}
		}
	}
	for _, o := range f.outputs {
		n, err := writeFinishedRows(ctx, db, o, schema)
		if err != nil {
			return &commandError{err}
		}
		fmt.Fprintf(stderr, "wrote %s: %s rows with a result; %s\n", o, commas(n), missing)
	}
	return nil
}

// missingText says how many rows an unfinished job lacks.
func missingText(st jobStatus) string {
	if st.Missing != nil {
		return fmt.Sprintf("%s rows missing (%s pending, %s not yet read)",
			commas(*st.Missing), commas(st.Pending), commas(*st.Missing-st.Pending))
	}
	return fmt.Sprintf("at least %s rows missing (pending), more if the input was not read to its end", commas(st.Pending))
}

// writeFinishedRows writes the current run's rows that have a result (ok
// or failed) to path, in input order, published atomically. Pending rows
// are left out: an empty output there would read as an empty answer.
func writeFinishedRows(ctx context.Context, db *checkpoint.DB, path string, s writers.Schema) (int64, error) {
	return pipeline.WriteOutputsWhere(ctx, db, []string{path}, s, func(row checkpoint.Row) bool {
		return row.Status != checkpoint.StatusPending
	})
}

// samePath reports whether a and b name the same file: the same absolute
// path, or, when both exist, the same file reached another way (a link).
func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	if err1 == nil && err2 == nil && aa == bb {
		return true
	}
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}
