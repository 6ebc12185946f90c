package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// execute runs the command line and returns the process's exit code. It
// takes its environment and streams as arguments so tests can run it
// in-process.
func execute(ctx context.Context, args []string, env Env, stdin io.Reader, stdout, stderr io.Writer) int {
	var res result
	started := false
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
		// Cobra parses flags and checks arguments before this hook and
		// not after: an error before it is the command line's.
		PersistentPreRun: func(*cobra.Command, []string) { started = true },
	}
	root.SetFlagErrorFunc(flagError)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newRunCmd(env, stdin, stderr, &res, args),
		newEstimateCmd(env, stdin, stdout, stderr),
		newStatusCmd(env, stdout, stderr),
		newExportCmd(env, stdout, stderr),
		newValidateCmd(env, stdout, stderr),
		newCompletionCmd(stdout),
		newExportRequestsCmd(env, stdin, stdout, stderr, &res),
		newSimulateCmd(stderr),
		newCancelCmd(env, stdin, stderr, &res, args),
		newCacheCmd(env, stdout),
		newVersionCmd(stdout),
	)
	err := root.ExecuteContext(ctx)
	if err != nil && !started {
		err = &usageError{err} // an unknown command or flag, a wrong argument count
	}
	if err != nil {
		fmt.Fprintln(stderr, "batchprompt:", err)
	}
	return exitCode(res, err)
}

// commandError marks an error returned by a command that started running.
// It changes nothing about the exit code (an unclassified error exits 1);
// it is kept so that a command can say so explicitly.
type commandError struct{ err error }

func (e *commandError) Error() string { return e.err.Error() }
func (e *commandError) Unwrap() error { return e.err }
