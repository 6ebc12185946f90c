package main

import (
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/batchprompt/batchprompt/pipeline"
)

// buildJob turns the settled flags into a pipeline.Job. jobPath is the job
// file, "" when none was given.
func buildJob(f *runFlags, fs *pflag.FlagSet, jobPath string) (pipeline.Job, error) {
	j := pipeline.Job{
		Input: f.input, InputFormat: f.inputFormat, Outputs: f.outputs, OutputFormat: f.outputFormat,
		Template: f.template, PromptColumn: f.promptColumn, System: f.system,
		Model: f.model, IDColumn: f.idColumn, Keep: f.keep, Limit: f.limit,
		Strict: f.strict, State: f.state, Restart: f.restart, RetryFailed: f.retryFailed,
		BatchAPI: f.batchAPI,
		Endpoint: f.endpoint, Dimensions: f.dimensions, EmbedBatch: f.embedBatch, Truncate: f.truncate,
	}
	if f.endpoint == pipeline.EndpointEmbeddings && !fs.Changed("model") {
		j.Model = pipeline.DefaultEmbeddingModel
	}
	if f.templateFile != "" {
		if f.template != "" {
			return j, &usageError{fmt.Errorf("give --template or --template-file, not both")}
		}
		b, err := os.ReadFile(f.templateFile)
		if err != nil {
			return j, &usageError{fmt.Errorf("--template-file: %w", err)}
		}
		j.Template = strings.TrimRight(string(b), "\r\n")
	}
	if f.systemFile != "" {
		if f.system != "" {
			return j, &usageError{fmt.Errorf("give --system or --system-file, not both")}
		}
		b, err := os.ReadFile(f.systemFile)
		if err != nil {
			return j, &usageError{fmt.Errorf("--system-file: %w", err)}
		}
		j.System = strings.TrimRight(string(b), "\r\n")
	}
	switch d := f.csvDelimiter; {
	case d == "":
	case d == "tab" || d == `\t`:
		j.CSVDelimiter = '\t'
	case len([]rune(d)) == 1 && d != `"` && d != "\n" && d != "\r":
		j.CSVDelimiter = []rune(d)[0]
	default:
		return j, &usageError{fmt.Errorf("--csv-delimiter %q: want one character other than a quote or newline", d)}
	}
	if fs.Changed("max-tokens") {
		if f.maxTokens < 1 {
			return j, &usageError{fmt.Errorf("--max-tokens %d: want at least 1", f.maxTokens)}
		}
		v := f.maxTokens
		j.Params.MaxTokens = &v
	}
	if fs.Changed("temperature") {
		if f.temperature < 0 || f.temperature > 2 {
			return j, &usageError{fmt.Errorf("--temperature %g: want 0 to 2", f.temperature)}
		}
		v := f.temperature
		j.Params.Temperature = &v
	}
	if fs.Changed("top-p") {
		if f.topP < 0 || f.topP > 1 {
			return j, &usageError{fmt.Errorf("--top-p %g: want 0 to 1", f.topP)}
		}
		v := f.topP
		j.Params.TopP = &v
	}
	if fs.Changed("seed") {
		v := f.seed
		j.Params.Seed = &v
	}
	if len(f.stop) > 4 {
		return j, &usageError{fmt.Errorf("--stop: at most 4 stop sequences, got %d", len(f.stop))}
	}
	j.Params.Stop = f.stop
	if err := structuredJob(&j, f); err != nil {
		return j, err
	}
	if f.limit < 0 {
		return j, &usageError{fmt.Errorf("--limit %d: want 0 (all rows) or more", f.limit)}
	}
	// A given cap of 0 or NaN used to mean "no cap": the opposite of what
	// it says. Only leaving --max-cost out means no cap.
	if fs.Changed("max-cost") && !(f.maxCost > 0 && !math.IsInf(f.maxCost, 1)) {
		return j, &usageError{fmt.Errorf("--max-cost %g: want a positive amount in USD (leave it out for no cap)", f.maxCost)}
	}
	if j.State == "" {
		j.State = defaultState(jobPath, f.outputs)
		if f.simulate {
			// Simulated answers must never be mistaken for paid ones when
			// the same job later runs against the real API.
			j.State = strings.TrimSuffix(j.State, ".state.db") + ".sim.state.db"
		}
	}
	return j, nil
}

// defaultState is <job file or first output, without extension>.state.db.
func defaultState(jobPath string, outputs []string) string {
	base := jobPath
	if base == "" && len(outputs) > 0 {
		base = outputs[0]
	}
	if base == "" {
		return ""
	}
	dir, name := filepath.Split(base)
	if i := strings.Index(name, "."); i > 0 {
		name = name[:i]
	}
	return filepath.Join(dir, name+".state.db")
}

// buildOptions settles the endpoint, key, pacing and prices.
func buildOptions(f *runFlags, env Env) (pipeline.Options, error) {
	o := pipeline.Options{
		Concurrency: f.concurrency, Headroom: f.headroom, MaxAttempts: f.maxAttempts,
		StallTimeout: f.stallTimeout, DrainTimeout: f.drainTimeout,
		Limits: pipeline.Limits{RPM: f.rpm, TPM: f.tpm},
	}
	if err := checkNumbers(f); err != nil {
		return o, err
	}
	o.MaxCostUSD = f.maxCost
	o.MaxParseAttempts = f.maxParseAttempts
	o.Cache, o.NoDedupe = f.cache, f.noDedupe
	o.BatchPollInterval, o.BatchRounds, o.BatchFinishSync = f.batchPollInterval, f.batchRounds, f.batchFinishSync
	o.Detach, o.BatchQueueTokens, o.BatchCancel = f.detach, f.batchQueueTokens, f.batchCancel
	prices, err := pipeline.LoadPrices(f.prices)
	if err != nil {
		return o, &usageError{err}
	}
	o.Prices = prices
	key, err := apiKey(f, env)
	if err != nil {
		return o, err
	}
	o.Endpoint = pipeline.Endpoint{
		BaseURL: f.baseURL, APIKey: key, Azure: f.azure, AzureDeployment: f.azureDeployment,
		AzureAPIVersion: f.azureAPIVersion, OrgID: f.orgID, ProjectID: f.projectID, Timeout: f.timeout,
	}
	if f.simulate {
		return o, nil // the simulator's URL is filled in when it starts
	}
	u, err := url.Parse(f.baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return o, &usageError{fmt.Errorf("--base-url %q: want an http(s) URL such as https://api.openai.com/v1", f.baseURL)}
	}
	if key == "" && needsKey(u, f.azure) {
		return o, &usageError{fmt.Errorf("no API key for %s: set OPENAI_API_KEY or give --api-key-file (or try --simulate)", u.Host)}
	}
	return o, nil
}

// checkNumbers refuses numeric settings that make no sense, rather than
// letting a zero or negative value fall back to a default or to "no
// limit" in silence.
func checkNumbers(f *runFlags) error {
	bad := func(format string, args ...any) error { return &usageError{fmt.Errorf(format, args...)} }
	switch {
	case !(f.maxCost >= 0) || math.IsInf(f.maxCost, 1):
		return bad("--max-cost %g: want a positive amount in USD", f.maxCost)
	case f.concurrency < 1:
		return bad("--concurrency %d: want at least 1", f.concurrency)
	case !(f.headroom >= 0 && f.headroom < 1):
		return bad("--headroom %g: want a share from 0 to below 1, e.g. 0.02", f.headroom)
	case f.maxAttempts < 1:
		return bad("--max-attempts %d: want at least 1 (1: no retries)", f.maxAttempts)
	case !(f.rpm >= 0) || math.IsInf(f.rpm, 1):
		return bad("--rpm %g: want 0 (learn it from the server) or more", f.rpm)
	case !(f.tpm >= 0) || math.IsInf(f.tpm, 1):
		return bad("--tpm %g: want 0 (learn it from the server) or more", f.tpm)
	case f.timeout <= 0:
		return bad("--timeout %s: want a positive duration, e.g. 5m", f.timeout)
	case f.stallTimeout <= 0:
		return bad("--stall-timeout %s: want a positive duration, e.g. 10m", f.stallTimeout)
	case f.drainTimeout <= 0:
		return bad("--drain-timeout %s: want a positive duration, e.g. 30s", f.drainTimeout)
	case f.progressInterval < 0:
		return bad("--progress-interval %s: want 0 (no progress lines) or a positive duration, e.g. 30s", f.progressInterval)
	}
	return nil
}

// needsKey: OpenAI and Azure always want a key; a local or self-hosted
// OpenAI-compatible server often wants none.
func needsKey(u *url.URL, azure bool) bool {
	h := strings.ToLower(u.Hostname())
	return azure || h == "api.openai.com" || strings.HasSuffix(h, ".openai.azure.com")
}

// apiKey reads the key from --api-key-file, else the environment. It is
// never logged or echoed.
func apiKey(f *runFlags, env Env) (string, error) {
	if f.apiKeyFile != "" {
		b, err := os.ReadFile(f.apiKeyFile)
		if err != nil {
			return "", &usageError{fmt.Errorf("--api-key-file: %w", err)}
		}
		k := strings.TrimSpace(string(b))
		if k == "" {
			return "", &usageError{fmt.Errorf("--api-key-file %s is empty", f.apiKeyFile)}
		}
		return k, nil
	}
	if f.azure {
		if k, ok := env.Lookup("AZURE_OPENAI_API_KEY"); ok && k != "" {
			return strings.TrimSpace(k), nil
		}
	}
	k, _ := env.Lookup("OPENAI_API_KEY")
	return strings.TrimSpace(k), nil
}

// loadJob settles a job from the job file (if any), the environment and
// the flags, in the documented precedence.
func loadJob(fs *pflag.FlagSet, f *runFlags, jobPath string, env Env) (pipeline.Job, error) {
	var jf *jobFile
	if jobPath != "" {
		var err error
		if jf, err = readJobFile(jobPath, fs); err != nil {
			return pipeline.Job{}, err
		}
	}
	if err := applyLayers(fs, jf, env); err != nil {
		return pipeline.Job{}, err
	}
	return buildJob(f, fs, jobPath)
}
