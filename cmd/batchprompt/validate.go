package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/batchprompt/batchprompt/pipeline"
)

const validateLong = `validate checks a job before it runs, sending nothing and needing no key:
it settles the job file, flags and BATCHPROMPT_* environment exactly as run
does, checks every setting, opens the input and renders the prompts of the
first rows (--rows, default 3), printing each with its position and its exact
prompt token count. Rows that would fail (unparsable, an empty or duplicate
id, a template naming a column the row lacks) are listed with their positions.

It also reports whether the state database exists and, if so, whether it
belongs to this job: a changed template, model or parameter would make run
refuse it (pass --restart, or another --state).

Takes every flag of run (those it has no use for are accepted and ignored),
plus --rows N.

Exit codes: 0 the job is valid and the rows checked render; 1 the input is
unreadable, or some of the rows checked would fail; 2 a configuration error
(all of them are listed).`

const validateExample = `  # Check a job file and look at its first three prompts:
  batchprompt validate jobs/nightly.yaml

  # Look at more rows, with a template being tried out on the command line:
  batchprompt validate jobs/nightly.yaml --rows 10 --template 'Translate to French: {{.text}}'

  # In CI, before the nightly run:
  batchprompt validate jobs/nightly.yaml --rows 100 > /dev/null && batchprompt run jobs/nightly.yaml`

func newValidateCmd(env Env, stdout, stderr io.Writer) *cobra.Command {
	var f runFlags
	var rows int
	// run's flags live in a set of their own so that the job file and the
	// environment layers see exactly run's keys, not --rows.
	runFS := pflag.NewFlagSet("run", pflag.ContinueOnError)
	f.register(runFS)
	hideIrrelevant(runFS, "validate")
	cmd := &cobra.Command{
		Use:     "validate [JOB.yaml] [flags]",
		Short:   "Check a job and render its first prompts, sending nothing",
		Long:    validateLong,
		Example: validateExample,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, pos []string) error {
			jobPath := ""
			if len(pos) == 1 {
				jobPath = pos[0]
			}
			if rows < 0 {
				return &usageError{fmt.Errorf("--rows %d: want 0 or more", rows)}
			}
			return runValidate(cmd.Context(), &f, runFS, jobPath, rows, env, stdout)
		},
	}
	cmd.SetErr(stderr)
	cmd.Flags().IntVar(&rows, "rows", 3, "how many rows to render")
	cmd.Flags().AddFlagSet(runFS)
	cmd.Flags().SortFlags = false
	return cmd
}

func runValidate(ctx context.Context, f *runFlags, fs *pflag.FlagSet, jobPath string, rows int, env Env, w io.Writer) error {
	job, err := loadJob(fs, f, jobPath, env)
	if err != nil {
		return err
	}
	info, problems, prices := checkJob(ctx, f, job, env)
	if jobPath != "" {
		fmt.Fprintf(w, "%-11s %s\n", "job file", jobPath)
	}
	for _, l := range info {
		fmt.Fprintf(w, "%-11s %s\n", l[0], l[1])
	}
	if len(problems) > 0 {
		fmt.Fprintf(w, "\n%d problem(s):\n", len(problems))
		for _, p := range problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
		return &usageError{fmt.Errorf("the job is not valid: %d problem(s), listed above", len(problems))}
	}
	if job.Input == "-" {
		fmt.Fprintln(w, "\nthe input is standard input: validate does not read it. Nothing was sent.")
		return nil
	}
	if job.Limit > 0 && int64(rows) > job.Limit {
		rows = int(job.Limit)
	}
	checked, bad, err := renderRows(ctx, w, job, prices, rows)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d row(s) checked, %d would fail. Nothing was sent.\n", checked, bad)
	if bad > 0 {
		return &commandError{fmt.Errorf("%d of the %d rows checked would fail, listed above", bad, checked)}
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

// renderRows renders the first n rows' prompts through run's own renderer
// and prints them, or their errors with positions. It returns the rows
// checked and how many would fail; err is a fatal read error.
func renderRows(ctx context.Context, w io.Writer, job pipeline.Job, prices *pipeline.Prices, n int) (checked, bad int, err error) {
	rows, err := pipeline.Preview(ctx, job, prices, n)
	for _, p := range rows {
		checked++
		head := fmt.Sprintf("\nrow %d  %s", p.Row, p.Position)
		if p.Problem != "" {
			bad++
			fmt.Fprintf(w, "%s  error: %s\n", head, strings.TrimPrefix(p.Problem, p.Position+": "))
			continue
		}
		if p.ID != "" {
			head += fmt.Sprintf("  id %q", p.ID)
		}
		if p.Model != job.Model {
			head += "  model " + p.Model
		}
		fmt.Fprintf(w, "%s  (%d prompt tokens)\n", head, p.Tokens)
		for _, name := range p.MissingKept {
			fmt.Fprintf(w, "  note: kept column %q is not in this row: written as null\n", name)
		}
		for _, l := range strings.Split(p.Prompt, "\n") {
			fmt.Fprintf(w, "  | %s\n", l)
		}
	}
	return checked, bad, err
}
