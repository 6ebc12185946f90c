package main

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// runFlags are the settings of `run` (and of the commands that share its
// job definition). Every flag can also be set in a job file (as
// snake_case) or as BATCHPROMPT_<NAME>.
type runFlags struct {
	input, inputFormat, csvDelimiter string
	outputs                          []string
	outputFormat                     string

	template, templateFile, promptColumn, system, systemFile string

	model       string
	maxTokens   int64
	temperature float64
	topP        float64
	seed        int64
	stop        []string

	// Embeddings jobs (--endpoint embeddings).
	endpoint               string
	dimensions, embedBatch int
	truncate               bool

	idColumn    string
	keep        []string
	limit       int64
	concurrency int

	baseURL, apiKeyFile, orgID, projectID string
	azure                                 bool
	azureDeployment, azureAPIVersion      string
	timeout                               time.Duration

	state                      string
	restart, retryFailed       bool
	strict                     bool
	rpm, tpm, headroom         float64
	maxAttempts                int
	stallTimeout, drainTimeout time.Duration
	prices                     string
	maxCost                    float64
	cache                      string // the response cache shared across jobs
	noDedupe                   bool

	// Structured output (structured.go).
	jsonSchema       string // a file, or the schema inline as JSON (a job file's mapping)
	jsonObject       bool
	maxParseAttempts int

	simulate bool
	sim      simFlags

	logFormat        string
	quiet, verbose   bool
	progressInterval time.Duration
	summary          string

	// The Batch API mode (--batch-api); batchCancel is set by `cancel`.
	batchAPI, detach, batchCancel      bool
	batchPollInterval, batchFinishSync time.Duration
	batchRounds                        int
	batchQueueTokens                   int64
}

type simFlags struct {
	latency, jitter                      time.Duration
	seed                                 int64
	rpm, tpm                             int64
	log                                  string
	f500, f502, f503, reset, hang, trunc float64
	insufficientQuota                    bool
	tpmCharge                            string
	foreignRPM, foreignTPM               int64
	// Broken structured answers (simulator.SchemaFaults).
	schemaInvalid, schemaViolation, schemaRefusal, schemaCutOff float64

	// The Batch API's scripted lifecycle (simulator.BatchConfig).
	batchTime                          time.Duration
	batchFail, batchExpire, batchNever float64
	batchQueueTokens                   int64
}

// register adds the --sim-* flags; prefix starts each help text, so run
// can say the flags are the simulator's.
func (s *simFlags) register(fs *pflag.FlagSet, prefix string) {
	fs.DurationVar(&s.latency, "sim-latency", 20*time.Millisecond, prefix+"latency of each answer")
	fs.DurationVar(&s.jitter, "sim-latency-jitter", 30*time.Millisecond, prefix+"extra latency up to this much, varying per request")
	fs.Int64Var(&s.seed, "sim-seed", 1, prefix+"seed for fault choices")
	fs.Int64Var(&s.rpm, "sim-rpm", 0, prefix+"enforce this many requests per minute (0: unlimited)")
	fs.Int64Var(&s.tpm, "sim-tpm", 0, prefix+"enforce this many tokens per minute (0: unlimited)")
	fs.StringVar(&s.log, "sim-log", "", prefix+"write one JSON line per request received to this file")
	fs.Float64Var(&s.f500, "sim-fault-500", 0, prefix+"share of requests answered 500")
	fs.Float64Var(&s.f502, "sim-fault-502", 0, prefix+"share of requests answered 502 with an HTML body")
	fs.Float64Var(&s.f503, "sim-fault-503", 0, prefix+"share of requests answered 503")
	fs.Float64Var(&s.reset, "sim-fault-reset", 0, prefix+"share of connections reset without an answer")
	fs.Float64Var(&s.hang, "sim-fault-hang", 0, prefix+"share of requests never answered (until the client's timeout)")
	fs.Float64Var(&s.trunc, "sim-fault-truncated", 0, prefix+"share of answers cut off mid-JSON")
	fs.BoolVar(&s.insufficientQuota, "sim-insufficient-quota", false, prefix+"answer every request 429 insufficient_quota")
	fs.DurationVar(&s.batchTime, "sim-batch-time", 10*time.Second, prefix+"how long a Batch API batch takes from creation to completed")
	fs.Float64Var(&s.batchFail, "sim-batch-fail-share", 0, prefix+"share of Batch API request lines answered 500 in the error file")
	fs.Float64Var(&s.batchExpire, "sim-batch-expire-share", 0, prefix+"share of Batch API batches that expire with half their lines unanswered (batch_expired)")
	fs.Float64Var(&s.batchNever, "sim-batch-never-finish-share", 0, prefix+"share of Batch API batches that stay in_progress, half done, until cancelled")
	fs.Int64Var(&s.batchQueueTokens, "sim-batch-queue-tokens", 0, prefix+"enqueued prompt tokens allowed per model across unfinished batches (0: unlimited)")
	fs.StringVar(&s.tpmCharge, "sim-tpm-charge", simulator.TPMChargeChars, prefix+"how a request is charged against --sim-tpm: chars (OpenAI's estimate: bytes/4 + 4 per message + the output cap) or tiktoken (the exact count + the output cap)")
	fs.Int64Var(&s.foreignRPM, "sim-foreign-rpm", 0, prefix+"requests per minute another user of the same key consumes from --sim-rpm")
	fs.Int64Var(&s.foreignTPM, "sim-foreign-tpm", 0, prefix+"tokens per minute another user of the same key consumes from --sim-tpm")
	fs.Float64Var(&s.schemaInvalid, "sim-fault-schema-invalid", 0, prefix+"share of JSON answers that are not valid JSON")
	fs.Float64Var(&s.schemaViolation, "sim-fault-schema-violation", 0, prefix+"share of JSON answers that break the schema")
	fs.Float64Var(&s.schemaRefusal, "sim-fault-schema-refusal", 0, prefix+"share of JSON answers the model refuses (message.refusal)")
	fs.Float64Var(&s.schemaCutOff, "sim-fault-schema-cutoff", 0, prefix+"share of JSON answers cut off as if at max_tokens (finish_reason length)")
}

func (f *runFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&f.input, "input", "i", "", "input file: .csv, .tsv, .jsonl or .ndjson (optionally .gz or .zst), .parquet, or an OpenAI Batch API .jsonl; a glob or a directory of part files (data/part-*.parquet); - reads JSONL from stdin")
	fs.StringVar(&f.inputFormat, "input-format", "", "input format when the extension does not say: csv, tsv, jsonl, parquet, openai-batch")
	fs.StringVar(&f.csvDelimiter, "csv-delimiter", "", `CSV field delimiter, one character ("tab" for a tab); default ","`)
	fs.StringArrayVarP(&f.outputs, "output", "o", nil, "output file, repeatable: .jsonl, .csv, .tsv or .parquet; written whole when the job completes")
	fs.StringVar(&f.outputFormat, "output-format", "", "format of every output whatever its extension: jsonl, csv, tsv, parquet, or openai-batch (the Batch API's output lines, as a .batch.jsonl suffix gives); default: from each extension")

	fs.StringVar(&f.template, "template", "", "prompt as a Go text/template over the row's columns, e.g. 'Summarise: {{.review}}'")
	fs.StringVar(&f.templateFile, "template-file", "", "read the prompt template from this file")
	fs.StringVar(&f.promptColumn, "prompt-column", "", "send this column's text as the prompt, as is")
	fs.StringVar(&f.system, "system", "", "system message sent before every prompt: a Go text/template over the row, like --template")
	fs.StringVar(&f.systemFile, "system-file", "", "read the system message from this file")

	fs.StringVar(&f.model, "model", "gpt-4o-mini", "model name (for Azure: the deployment's model, used for prices and tokens)")
	fs.Int64Var(&f.maxTokens, "max-tokens", 0, "cap on output tokens per request (sent as max_completion_tokens to o-series and gpt-5 models); unset: the model's maximum, which the rate limiter and the budget cap must assume")
	fs.Float64Var(&f.temperature, "temperature", 0, "sampling temperature, 0 to 2; sent only when given (an explicit 0 is sent as 0), else the server's default applies")
	fs.Float64Var(&f.topP, "top-p", 0, "nucleus sampling, 0 to 1; sent only when given, else the server's default applies")
	fs.Int64Var(&f.seed, "seed", 0, "sampling seed; only sent when given")
	fs.StringArrayVar(&f.stop, "stop", nil, "stop sequence, repeatable (up to 4)")
	fs.StringVar(&f.jsonSchema, "json-schema", "", "JSON Schema file every answer must follow (OpenAI strict mode, checked before anything is sent): sent as response_format; a broken answer is retried (--max-parse-attempts); each top-level property becomes a typed output column after output. In a job file: a path, or the schema inline")
	fs.BoolVar(&f.jsonObject, "json-object", false, "ask for any JSON object (response_format json_object), for servers without schema support; an answer that is not one is retried")
	fs.StringVar(&f.endpoint, "endpoint", "chat", "chat, or embeddings: each row's template (or --prompt-column) is a text to embed, many rows to a request; --model defaults to text-embedding-3-small; write .parquet or .jsonl")
	fs.IntVar(&f.dimensions, "dimensions", 0, "with --endpoint embeddings: length of the vectors (text-embedding-3 models); default: the model's")
	fs.IntVar(&f.embedBatch, "embed-batch", 0, "with --endpoint embeddings: most rows per request (default: the API's 2048)")
	fs.BoolVar(&f.truncate, "truncate", false, "with --endpoint embeddings: cut a text over the 8192-token input limit at the limit (the row says truncated) instead of making it an error row")

	fs.StringVar(&f.idColumn, "id-column", "", "input column that identifies each row (unique); default: the output gets a row column with the 0-based row number")
	fs.StringSliceVar(&f.keep, "keep", nil, "input columns copied to the output, comma separated, with their input types (Parquet, JSONL); '*' keeps every column")
	fs.Int64Var(&f.limit, "limit", 0, "only the first N rows: a trial run")
	fs.IntVar(&f.concurrency, "concurrency", 256, "most requests in flight at once")

	fs.StringVar(&f.baseURL, "base-url", "https://api.openai.com/v1", "API base URL of OpenAI or any OpenAI-compatible server (env OPENAI_BASE_URL); with --azure the resource endpoint, https://NAME.openai.azure.com")
	fs.StringVar(&f.apiKeyFile, "api-key-file", "", "read the API key from this file instead of OPENAI_API_KEY")
	fs.StringVar(&f.orgID, "org-id", "", "OpenAI organization header (env OPENAI_ORG_ID)")
	fs.StringVar(&f.projectID, "project-id", "", "OpenAI project header (env OPENAI_PROJECT_ID)")
	fs.BoolVar(&f.azure, "azure", false, "talk to Azure OpenAI: deployment URLs and the api-key header (key from AZURE_OPENAI_API_KEY or OPENAI_API_KEY)")
	fs.StringVar(&f.azureDeployment, "azure-deployment", "", "Azure deployment name; default: --model")
	fs.StringVar(&f.azureAPIVersion, "azure-api-version", "2024-10-21", "Azure OpenAI api-version")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Minute, "time limit for one request, from send to the last byte of the answer")

	fs.StringVar(&f.state, "state", "", "the job's state database (SQLite); default: <job file or first output without extension>.state.db")
	fs.BoolVar(&f.restart, "restart", false, "start the job over: the old state database is kept as <state>.bak")
	fs.BoolVar(&f.retryFailed, "retry-failed", false, "send again the rows that failed with a permanent error last time")
	fs.BoolVar(&f.strict, "strict", false, "stop at the first row that cannot be parsed or rendered (exit 1) instead of writing an error row")
	fs.Float64Var(&f.rpm, "rpm", 0, "requests per minute allowed for the model; default: learned from the server's x-ratelimit headers")
	fs.Float64Var(&f.tpm, "tpm", 0, "tokens per minute allowed for the model; default: learned from the server's x-ratelimit headers")
	fs.Float64Var(&f.headroom, "headroom", 0.02, "share of a learned limit left unused")
	fs.IntVar(&f.maxAttempts, "max-attempts", 6, "attempts per row on transient errors (5xx, timeouts, resets); rate-limit waits do not count")
	fs.IntVar(&f.maxParseAttempts, "max-parse-attempts", 2, "with --json-schema or --json-object: tries per row, each paid, while the answer is not valid JSON, breaks the schema, was cut off at max_tokens or refused; then an error row says why")
	fs.DurationVar(&f.stallTimeout, "stall-timeout", 10*time.Minute, "stop (exit 5, resumable) when every request has failed for this long")
	fs.DurationVar(&f.drainTimeout, "drain-timeout", 30*time.Second, "on Ctrl-C or SIGTERM, how long requests already sent may take to finish")
	fs.Float64Var(&f.maxCost, "max-cost", 0, "hard cap in USD on what the job may ever spend, over all its runs (resumes count what was spent); each request reserves its worst case first: prompt tokens at the input price plus the output cap (--max-tokens, or else the model's maximum output, which is large) at the output price. Stops with exit 3; rerun with a higher cap to continue")
	fs.StringVar(&f.cache, "cache", "", "response cache (SQLite file) shared across jobs: a request answered there before (same body, endpoint and server) is not sent, its answer is reused at no cost; every answer paid for is stored. See `batchprompt cache`")
	fs.BoolVar(&f.noDedupe, "no-dedupe", false, "send every row even when its request is byte-identical to another's (for sampling at temperature > 0); by default such rows are sent once and get copies of the answer at no cost")
	fs.StringVar(&f.prices, "prices", "", "JSON or YAML file of model prices that override or add to the built-in table")

	fs.BoolVar(&f.batchAPI, "batch-api", false, "answer the rows through the OpenAI Batch API at half price: upload, create batches, poll, collect (results within 24 h)")
	fs.DurationVar(&f.batchPollInterval, "batch-poll-interval", 30*time.Second, "with --batch-api: time between polls of the batches")
	fs.IntVar(&f.batchRounds, "batch-rounds", 3, "with --batch-api: batches a row may go through (expired, cancelled or 5xx lines are resubmitted) before it is an error row")
	fs.DurationVar(&f.batchFinishSync, "batch-finish-sync", 0, "with --batch-api: cancel a batch still unfinished this long after submission (e.g. 6h) and answer its remaining rows synchronously, at standard price")
	fs.Int64Var(&f.batchQueueTokens, "batch-queue-tokens", 0, "with --batch-api: prompt tokens that may be enqueued per model across running batches (0: learned from the API's refusals)")
	fs.BoolVar(&f.detach, "detach", false, "with --batch-api: submit and exit at once with code 6 while results are pending; run the same command again to collect")

	fs.BoolVar(&f.simulate, "simulate", false, "run against the built-in OpenAI simulator on 127.0.0.1 (no key, no network, no cost)")
	f.sim.register(fs, "simulator: ")

	fs.StringVar(&f.logFormat, "log-format", "text", "log format on stderr: text or json")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "only errors and the final summary")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "debug logging")
	fs.DurationVar(&f.progressInterval, "progress-interval", 30*time.Second, "when stderr is not a terminal, log progress this often")
	fs.StringVar(&f.summary, "summary", "", "also write the final summary as JSON to this file")
}

// batchConfig returns the simulator's Batch API settings from the
// --sim-batch-* flags, or a usage error for a share outside [0, 1] or a
// negative duration or limit.
func (s *simFlags) batchConfig() (simulator.BatchConfig, error) {
	for name, p := range map[string]float64{"fail": s.batchFail, "expire": s.batchExpire, "never-finish": s.batchNever} {
		if p < 0 || p > 1 {
			return simulator.BatchConfig{}, &usageError{fmt.Errorf("--sim-batch-%s-share %g: want a share from 0 to 1", name, p)}
		}
	}
	if s.batchExpire+s.batchNever > 1 {
		return simulator.BatchConfig{}, &usageError{fmt.Errorf("--sim-batch-expire-share %g + --sim-batch-never-finish-share %g: want at most 1 together", s.batchExpire, s.batchNever)}
	}
	if s.batchTime < 0 || s.batchQueueTokens < 0 {
		return simulator.BatchConfig{}, &usageError{fmt.Errorf("--sim-batch-time %s, --sim-batch-queue-tokens %d: want 0 or more", s.batchTime, s.batchQueueTokens)}
	}
	c := simulator.BatchConfig{FailShare: s.batchFail, ExpireShare: s.batchExpire, NeverFinishShare: s.batchNever,
		EnqueuedTokens: s.batchQueueTokens}
	return c.WithLifecycle(s.batchTime), nil
}
