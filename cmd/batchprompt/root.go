package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// execute runs the command line and returns the process's exit code. It
// takes its environment and streams as arguments so tests can run it
// in-process.
func execute(ctx context.Context, args []string, env Env, stdin io.Reader, stdout, stderr io.Writer) int {
	code := exitOK
	root := &cobra.Command{
		Use:   "batchprompt",
		Short: "Run large batches of prompts through the OpenAI API, fast, exactly once, resumable",
		Long: `batchprompt sends one chat completion request per row of a CSV, TSV or JSONL
file to the OpenAI API (or any OpenAI-compatible server), as fast as the rate
limits allow. Every result is committed to a state database as it arrives, so
a crash or Ctrl-C costs nothing: run the same command again to resume.

Try it without an API key on the built-in simulator:

  batchprompt run examples/summarise/job.yaml --simulate`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newRunCmd(env, stdin, stderr, &code, args),
		newEstimateCmd(env, stdin, stdout, stderr),
		newStatusCmd(env, stdout, stderr),
		newExportCmd(env, stdout, stderr),
		newValidateCmd(env, stdout, stderr),
		newCompletionCmd(stdout),
		newExportRequestsCmd(env, stdin, stdout, stderr, &code),
		newSimulateCmd(stderr),
		newVersionCmd(stdout),
	)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "batchprompt:", err)
		var ue *usageError
		if errors.As(err, &ue) || isCobraUsage(err) {
			return exitUsage
		}
		if code == exitOK {
			return exitFatal
		}
	}
	return code
}

// isCobraUsage tells cobra's own argument errors (unknown flag, wrong
// number of arguments) from failures of a command that ran.
func isCobraUsage(err error) bool {
	var ce *commandError
	return !errors.As(err, &ce)
}

// commandError marks an error returned by a command that started running;
// anything else reaching execute is a usage error from cobra.
type commandError struct{ err error }

func (e *commandError) Error() string { return e.err.Error() }
func (e *commandError) Unwrap() error { return e.err }
