package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/batchprompt/batchprompt/pipeline"
	"github.com/batchprompt/batchprompt/pipeline/state"
)

const estimateLong = `estimate is the dry run of run: it reads the whole input, renders every
prompt exactly as run would, counts its tokens exactly (tiktoken, offline),
and tells what the job would send, cost and take. It needs no API key and
touches no network; nothing is written.

It takes the same job file and flags as run (flags it has no use for, such as
--output or --concurrency, are accepted and ignored), plus:

  --sample N                send N randomly chosen rows for real (a key, or
                            --simulate) and extrapolate the cost from their
                            measured answers, with a 95 % interval; the full
                            run reuses those answers

  --expect-output-tokens N  the typical answer length, the low end of the
                            output and cost range (default 100)
  --json                    print the estimate as JSON, for scripts

It reports:
  rows            read, sent, and those that cannot be sent: parse and render
                  errors (with their positions), prompts over the model's input
                  limit, requests larger than --tpm. Duplicate ids are not
                  checked (run reports them).
  prompt tokens   exact: total, mean, p50, p95, max
  output tokens   a range: --expect-output-tokens (or 100) up to the output cap,
                  which is --max-tokens or else the model's maximum output
  cost            that range priced at standard and at Batch API rates, every
                  prompt token uncached (prompt caching can only lower it);
                  prices from the built-in table (its source and date are shown)
                  or --prices FILE
  duration        at --rpm and --tpm, naming the limit that binds; each request
                  counts prompt + output cap against --tpm, as OpenAI charges it

A model missing from the price table (a local vLLM model, say) still gets
rows, tokens and duration, with the cost shown as unknown; to price it, give
--prices FILE, a JSON or YAML map of model → {input, output, cached_input,
batch_input, batch_output, context_window, max_output}, USD per 1M tokens.

Exit codes: 0 estimated; 1 unreadable input; 2 usage or configuration error.`

const estimateExample = `  # What will the example job cost, and how long will it take at my limits?
  batchprompt estimate examples/summarise/job.yaml --rpm 5000 --tpm 2000000

  # Tighter bounds: answers are about 60 tokens, and never more than 150:
  batchprompt estimate -i reviews.csv --template 'Summarise: {{.review}}' \
    --model gpt-4o-mini --expect-output-tokens 60 --max-tokens 150

  # A model the built-in table does not know, priced by a file:
  echo '{"my-model": {"input": 0.2, "output": 0.8, "context_window": 32768}}' > prices.json
  batchprompt estimate job.yaml --model my-model --prices prices.json

  # Calibrate on 50 rows sent for real (reused by the run afterwards):
  batchprompt estimate job.yaml --sample 50

  # For scripts: the upper cost bound at Batch API prices
  batchprompt estimate job.yaml --json | jq .cost_usd.batch_high`

// estimateFlags are estimate's own flags, on top of run's.
type estimateFlags struct {
	expectOutput int64
	json         bool
	sample       int64
	sampleSeed   uint64
}

func newEstimateCmd(env Env, stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var f runFlags
	var ef estimateFlags
	cmd := &cobra.Command{
		Use:     "estimate [JOB.yaml] [flags]",
		Short:   "Dry run: rows, exact prompt tokens, cost and duration, with no key and no network",
		Long:    estimateLong,
		Example: estimateExample,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, pos []string) error {
			jobPath := ""
			if len(pos) == 1 {
				jobPath = pos[0]
			}
			return runEstimate(cmd.Context(), cmd.Flags(), &f, ef, jobPath, env, stdin, stdout, stderr)
		},
	}
	cmd.SetErr(stderr)
	fs := cmd.Flags()
	fs.Int64Var(&ef.sample, "sample", 0, "calibrate: send N randomly chosen rows for real (needs a key, or --simulate), measure their answers' length and extrapolate the cost with a 95 % interval; the answers go into the job's state database, so the full run reuses them and --max-cost counts them")
	fs.Uint64Var(&ef.sampleSeed, "sample-seed", 1, "seed for choosing the --sample rows")
	fs.Int64Var(&ef.expectOutput, "expect-output-tokens", 0, "typical answer length in tokens, the low end of the output and cost range (default 100)")
	fs.BoolVar(&ef.json, "json", false, "print the estimate as JSON")
	f.register(fs)
	hideIrrelevant(fs, "estimate")
	fs.SortFlags = false
	return cmd
}

// runEstimate settles the configuration as run does and prints the
// estimate. Configuration mistakes come back as *usageError (exit 2),
// everything else as *commandError (exit 1).
func runEstimate(ctx context.Context, fs *pflag.FlagSet, f *runFlags, ef estimateFlags, jobPath string, env Env, stdin io.Reader, stdout, stderr io.Writer) error {
	job, err := loadJob(fs, f, jobPath, env)
	if err != nil {
		return err
	}
	job.Stdin = stdin
	opt, err := estimateOptions(f, ef, fs)
	if err != nil {
		return err
	}
	if opt.Limits.RPM == 0 && opt.Limits.TPM == 0 {
		// Limits a previous run of this job learned from the server.
		if l, ok := state.StoredLimitsAt(ctx, job.State, job.Model); ok {
			opt.Limits = l
			fmt.Fprintf(stderr, "using the limits learned by the last run in %s: %.0f requests/min, %.0f tokens/min\n", job.State, l.RPM, l.TPM)
		}
	}
	opt.Dedupe = !f.noDedupe
	if f.cache != "" { // rows the cache answers cost nothing
		ep := pipeline.Endpoint{BaseURL: f.baseURL, Azure: f.azure, AzureDeployment: f.azureDeployment, AzureAPIVersion: f.azureAPIVersion}
		cached, done, err := pipeline.CacheLookup(ctx, f.cache, ep, f.endpoint == "embeddings")
		if err != nil {
			return &commandError{fmt.Errorf("estimate: %w", err)}
		}
		defer done() //nolint:errcheck // read only
		opt.Cached = cached
	}
	reps, err := pipeline.EstimateAll(ctx, job, opt)
	var ce *pipeline.ConfigError
	switch {
	case errors.As(err, &ce):
		return &usageError{err}
	case err != nil:
		return &commandError{fmt.Errorf("estimate: %w", err)}
	}
	if len(reps) != 1 {
		// A Batch API input names several models: one estimate each.
		if ef.sample > 0 {
			return &usageError{fmt.Errorf("--sample works for templated jobs, not for Batch API inputs with several models")}
		}
		return writeModelEstimates(stdout, job.Input, reps, ef.json)
	}
	est := reps[0]
	var cal *pipeline.Calibration
	if ef.sample > 0 {
		c, err := calibrate(ctx, f, job, est, ef, env, stderr)
		if err != nil {
			return err
		}
		cal = &c
	}
	if ef.json {
		err = writeEstimateJSON(stdout, job.Input, est, cal)
	} else {
		header := "dry run: nothing sent"
		if cal != nil {
			header = fmt.Sprintf("%d sampled rows sent for real; the rest is a dry run", cal.Sampled)
		}
		err = writeEstimateTable(stdout, job.Input, est, header)
		if err == nil && (job.JSONSchema != nil || job.JSONObject) {
			_, err = fmt.Fprintln(stdout, "\nThe response_format (the JSON schema) is counted in every prompt: OpenAI bills it as input\nbut does not publish how it is tokenised, so that part of the prompt tokens is approximate.")
		}
		if err == nil && cal != nil {
			err = writeCalibration(stdout, *cal, job.State)
		}
	}
	if err != nil {
		return &commandError{fmt.Errorf("write the estimate: %w", err)}
	}
	return nil
}

// calibrate sends --sample rows for real (or to --simulate) into the job's
// state database and measures their answers.
func calibrate(ctx context.Context, f *runFlags, job pipeline.Job, est pipeline.EstimateReport, ef estimateFlags, env Env, stderr io.Writer) (pipeline.Calibration, error) {
	opt, err := buildOptions(f, env)
	if err != nil {
		return pipeline.Calibration{}, err
	}
	log, err := newLogger(stderr, f)
	if err != nil {
		return pipeline.Calibration{}, err
	}
	opt.Logger = log
	stopSim, err := startSimulator(f, &opt, log)
	if err != nil {
		return pipeline.Calibration{}, err
	}
	defer stopSim()
	ctx, stop := watchSignals(ctx, &opt)
	defer stop()
	c, _, err := pipeline.Calibrate(ctx, job, opt, est, ef.sample, ef.sampleSeed)
	var ce *pipeline.ConfigError
	switch {
	case errors.As(err, &ce):
		return c, &usageError{err}
	case err != nil:
		return c, &commandError{fmt.Errorf("estimate --sample: %w", err)}
	}
	return c, nil
}

// estimateOptions checks the flags estimate uses beyond the job itself.
func estimateOptions(f *runFlags, ef estimateFlags, fs *pflag.FlagSet) (pipeline.EstimateOptions, error) {
	opt := pipeline.EstimateOptions{Limits: pipeline.Limits{RPM: f.rpm, TPM: f.tpm}, ExpectOutputTokens: ef.expectOutput}
	if fs.Changed("expect-output-tokens") && ef.expectOutput < 1 {
		return opt, &usageError{fmt.Errorf("--expect-output-tokens %d: want at least 1", ef.expectOutput)}
	}
	if f.rpm < 0 || f.tpm < 0 {
		return opt, &usageError{fmt.Errorf("--rpm %g, --tpm %g: limits cannot be negative", f.rpm, f.tpm)}
	}
	p, err := pipeline.LoadPrices(f.prices)
	if err != nil {
		return opt, &usageError{err}
	}
	opt.Prices = p
	return opt, nil
}
