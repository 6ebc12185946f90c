package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/batchprompt/batchprompt/pipeline"
	"github.com/batchprompt/batchprompt/pipeline/state"
)

// checkJob checks every setting run would check before its first request,
// and returns labelled facts about the job, the list of its problems, and
// the price table it settled. It opens neither the input nor the network;
// it reads the state database only if it exists.
func checkJob(ctx context.Context, f *runFlags, job pipeline.Job, env Env) (info [][2]string, problems []string, prices *pipeline.Prices) {
	add := func(label, format string, args ...any) {
		info = append(info, [2]string{label, fmt.Sprintf(format, args...)})
	}
	for _, err := range pipeline.Check(job) {
		problems = append(problems, err.Error())
	}
	add("input", "%s", job.Input)
	add("outputs", "%s", strings.Join(job.Outputs, ", "))
	if job.System != "" {
		add("system", "%q", firstLine(job.System))
	}
	// The key is not needed to validate: a placeholder lets buildOptions
	// check everything else, and the key itself is never read here.
	noKey := *f
	noKey.apiKeyFile = ""
	opt, err := buildOptions(&noKey, placeholderKeyEnv{env})
	if err != nil {
		problems = append(problems, err.Error())
	}
	prices = opt.Prices
	if prices == nil && f.prices == "" {
		prices, _ = pipeline.LoadPrices("") // another check failed before the prices were settled
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
	state, err := state.DescribeState(ctx, job)
	if err != nil {
		problems = append(problems, err.Error())
	}
	add("state", "%s", state)
	return info, problems, prices
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
