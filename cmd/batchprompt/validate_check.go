package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/pipeline"
	"github.com/batchprompt/batchprompt/writers"
)

// checkJob checks every setting run would check before its first request,
// and returns labelled facts about the job and the list of its problems.
// It opens neither the input nor the network; it reads the state database
// only if it exists.
func checkJob(ctx context.Context, f *runFlags, job pipeline.Job, env Env) (info [][2]string, problems []string) {
	add := func(label, format string, args ...any) {
		info = append(info, [2]string{label, fmt.Sprintf(format, args...)})
	}
	if job.Input == "" {
		problems = append(problems, "no input: give -i/--input")
	}
	add("input", "%s", job.Input)
	if len(job.Outputs) == 0 {
		problems = append(problems, "no output: give -o/--output (repeatable)")
	}
	seen := map[string]bool{}
	for _, o := range job.Outputs {
		if seen[o] {
			problems = append(problems, fmt.Sprintf("output %s is given twice", o))
		}
		seen[o] = true
		format, err := writers.FormatFromPath(o)
		if err == nil {
			_, err = writers.New(format, io.Discard, job.Schema())
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("output %s: %v", o, err))
		}
	}
	add("outputs", "%s", strings.Join(job.Outputs, ", "))
	if _, err := pipeline.NewPrompt(job.Template, job.PromptColumn); err != nil {
		problems = append(problems, err.Error())
	}
	if job.System != "" {
		add("system", "%q", firstLine(job.System))
	}
	if job.Model == "" {
		problems = append(problems, "no model: give --model")
	}
	// The key is not needed to validate: a placeholder lets buildOptions
	// check everything else, and the key itself is never read here.
	noKey := *f
	noKey.apiKeyFile = ""
	opt, err := buildOptions(&noKey, placeholderKeyEnv{env})
	if err != nil {
		problems = append(problems, err.Error())
	}
	prices := opt.Prices
	if prices == nil && f.prices == "" {
		prices = budget.DefaultPrices() // another check failed before the prices were settled
	}
	if prices != nil && job.Model != "" {
		if p, ok := prices.Lookup(job.Model); ok {
			add("model", "%s ($%g in, $%g out per 1M tokens)", job.Model, p.Input, p.Output)
		} else {
			add("model", "%s (not in the price table: costs will be unknown and no budget cap can apply; add it with --prices)", job.Model)
		}
	}
	add("api key", "%s", keyText(f, env))
	if f.apiKeyFile != "" {
		if _, err := os.Stat(f.apiKeyFile); err != nil {
			problems = append(problems, fmt.Sprintf("--api-key-file: %v", err))
		}
	}
	state, err := stateText(ctx, job)
	if err != nil {
		problems = append(problems, err.Error())
	}
	add("state", "%s", state)
	return info, problems
}

// placeholderKeyEnv answers every key variable with a placeholder, so that
// checks which need "some key" pass without the real one being read.
type placeholderKeyEnv struct{ Env }

func (e placeholderKeyEnv) Lookup(k string) (string, bool) {
	if k == "OPENAI_API_KEY" || k == "AZURE_OPENAI_API_KEY" {
		return "validate-placeholder", true
	}
	return e.Env.Lookup(k)
}

// keyText says where run will find its key, never what it is.
func keyText(f *runFlags, env Env) string {
	switch {
	case f.simulate:
		return "not needed (--simulate)"
	case f.apiKeyFile != "":
		return "from " + f.apiKeyFile
	}
	for _, k := range []string{"OPENAI_API_KEY", "AZURE_OPENAI_API_KEY"} {
		if k == "AZURE_OPENAI_API_KEY" && !f.azure {
			continue
		}
		if v, ok := env.Lookup(k); ok && strings.TrimSpace(v) != "" {
			return k + " is set"
		}
	}
	return "not set: run needs OPENAI_API_KEY or --api-key-file (unless the server wants none)"
}

// stateText describes the state database, and fails when run would refuse
// it because it belongs to another job.
func stateText(ctx context.Context, job pipeline.Job) (string, error) {
	if job.State == "" {
		return "", errors.New("no state database path: give --state, a job file or an output")
	}
	if _, err := os.Stat(job.State); errors.Is(err, os.ErrNotExist) {
		return job.State + " (new: the first run creates it)", nil
	} else if err != nil {
		return job.State, fmt.Errorf("state database %s: %w", job.State, err)
	}
	if job.Restart {
		return job.State + " (exists; --restart moves it aside and starts over)", nil
	}
	db, err := checkpoint.Open(ctx, job.State)
	if err != nil {
		return job.State, err
	}
	defer db.Close()
	old, ok, err := db.Fingerprint(ctx)
	if err != nil {
		return job.State, err
	}
	if !ok {
		return job.State + " (exists, empty)", nil
	}
	var changed []string
	for k, v := range job.Fingerprint() {
		if old[k] != v {
			changed = append(changed, strings.ReplaceAll(k, "_", " "))
		}
	}
	if len(changed) > 0 {
		sort.Strings(changed)
		return job.State, &pipeline.MismatchError{State: job.State, Changed: changed}
	}
	return job.State + " (exists, same job: run resumes it)", nil
}
