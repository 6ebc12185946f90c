package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	names "github.com/batchprompt/batchprompt/internal/suggest"
)

// Every command takes every run flag, so that one job file (and one set of
// BATCHPROMPT_* variables) serves them all; but each command's help shows
// only the flags that change what it does. The others are hidden, still
// accepted.

// jobFlagNames are the flags that shape the requests: they matter to every
// command that renders.
func jobFlagNames() []string {
	return []string{
		"input", "input-format", "csv-delimiter", "template", "template-file", "prompt-column",
		"system", "system-file", "model", "max-tokens", "temperature", "top-p", "seed", "stop",
		"id-column", "limit", "prices", "endpoint", "dimensions", "json-schema", "json-object",
	}
}

// helpFlags lists, per command, the run flags its help shows besides
// jobFlagNames.
func helpFlags(command string) []string {
	switch command {
	case "estimate":
		// --sample sends rows for real: it needs the endpoint and the key.
		return []string{"rpm", "tpm", "state", "simulate", "base-url", "api-key-file", "azure",
			"azure-deployment", "azure-api-version", "org-id", "project-id", "cache"}
	case "validate":
		return []string{"output", "keep", "state", "restart", "base-url", "api-key-file", "azure",
			"azure-deployment", "azure-api-version", "org-id", "project-id", "simulate", "output-format"}
	}
	return nil // export-requests: the job flags alone
}

// hideIrrelevant hides the run flags of fs that command's help need not
// show. The command's own flags stay as they are.
func hideIrrelevant(fs *pflag.FlagSet, command string) {
	show := map[string]bool{}
	for _, n := range append(jobFlagNames(), helpFlags(command)...) {
		show[n] = true
	}
	var rf runFlags
	run := pflag.NewFlagSet("run", pflag.ContinueOnError)
	rf.register(run)
	run.VisitAll(func(f *pflag.Flag) {
		if g := fs.Lookup(f.Name); g != nil && !show[f.Name] {
			g.Hidden = true
		}
	})
}

// flagError makes cobra's flag errors usage errors, with a suggestion for
// a misspelt flag: "unknown flag: --simulte (did you mean --simulate?)".
func flagError(c *cobra.Command, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
		if best := closestFlag(name, c.Flags()); best != "" {
			err = fmt.Errorf("%w (did you mean --%s?)", err, best)
		}
	}
	return &usageError{err}
}

// closestFlag is the flag of fs nearest name, hidden ones included, or ""
// when none is near (see names.Closest).
func closestFlag(name string, fs *pflag.FlagSet) string {
	var all []string
	fs.VisitAll(func(f *pflag.Flag) { all = append(all, f.Name) })
	best, _ := names.Closest(name, all)
	return best
}
