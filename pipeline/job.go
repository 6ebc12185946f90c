package pipeline

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/batchapi"
	"github.com/batchprompt/batchprompt/internal/client"
	"github.com/batchprompt/batchprompt/internal/clock"
	"github.com/batchprompt/batchprompt/internal/pace"
	"github.com/batchprompt/batchprompt/internal/request"
)

// Job is what to run: the input, the prompt, the request, the outputs. Its
// request-shaping fields (see Fingerprint) are the job's identity in its
// state database; a rerun that changes them is refused.
type Job struct {
	Input        string    // path, glob or directory; "-" for standard input
	InputFormat  string    // "" = from the extension
	CSVDelimiter rune      // 0 = the format's default
	Stdin        io.Reader // read when Input is "-"

	Outputs []string // output paths; the format comes from each extension
	// OutputFormat, when set, is the format of every output whatever its
	// extension ("openai-batch": the Batch API's output lines).
	OutputFormat string

	Template     string // Go text/template over the row's columns
	PromptColumn string // or: the column holding the prompt as is
	System       string // optional system message

	Model  string
	Params Params

	// JSONSchema, when set, is the JSON Schema (OpenAI strict mode) every
	// answer must follow: it is checked before anything is sent, sent as
	// response_format, each answer is checked against it (a broken one is
	// retried, Options.MaxParseAttempts), and each top-level property
	// becomes a typed output column after output. SchemaName names it to
	// the API ("" = "answer"). JSONObject asks for any JSON object instead,
	// for servers without schema support. Both are part of the fingerprint.
	JSONSchema []byte
	SchemaName string
	JSONObject bool

	IDColumn string   // "" = rows are identified by their 0-based number
	Keep     []string // input columns copied to the outputs
	Limit    int64    // > 0: only the first Limit rows

	// Strict stops the job at the first row that cannot be parsed or
	// rendered, instead of writing an error row for it.
	Strict bool

	// Only, when set, limits the run to the rows (by 0-based position) it
	// accepts; the others are skipped without a result, so the run does
	// not complete. `estimate --sample` uses it. It is not part of the
	// job's identity: the sampled results are reused by the full run.
	Only func(seq int64) bool

	// Endpoint is "chat" ("" too) or "embeddings": then each row's
	// rendered template (or prompt column) is a text to embed, many rows
	// to a request (at most EmbedBatch; 0: the API's 2048), Dimensions (0:
	// the model's) is sent with each, and Truncate cuts a text over the
	// per-input token limit instead of making it an error row.
	Endpoint   string
	Dimensions int
	EmbedBatch int
	Truncate   bool

	// BatchAPI answers the rows through the OpenAI Batch API, at its
	// prices, instead of one request at a time (see Options.Batch*).
	BatchAPI bool

	State       string // the state database's path
	Restart     bool   // start over, keeping the old database as a backup
	RetryFailed bool   // send again rows that failed permanently last time
}

// Options is how to run a job: pacing, retries, the endpoint, observers.
// None of it is part of the job's identity.
type Options struct {
	Endpoint   Endpoint
	HTTPClient *http.Client // nil: a client honouring HTTPS_PROXY

	Concurrency int     // most requests in flight; default 256
	Limits      Limits  // zero: learned from the x-ratelimit headers
	Headroom    float64 // share of a learned limit left unused; default 0.02

	MaxAttempts  int           // attempts per row for transient errors; default 6
	BackoffBase  time.Duration // default 0.5 s
	BackoffMax   time.Duration // default 30 s
	StallTimeout time.Duration // stop when every request has failed this long; default 10 min
	DrainTimeout time.Duration // after ctx ends, how long in-flight requests may finish; default 30 s

	// MaxParseAttempts is how many answered tries a row gets when its
	// answer is not valid JSON, breaks the schema, was cut off or refused
	// (Job.JSONSchema, Job.JSONObject); each try is paid. Default 2.
	MaxParseAttempts int

	Prices *budget.Prices // nil: the embedded table

	// MaxCostUSD caps what the job may ever spend, counted over its state
	// database across runs (0: no cap). Before each request its worst case
	// (prompt at the input price plus the output cap at the output price)
	// is reserved; a request whose reservation would cross the cap is not
	// sent, and the run stops with BudgetReached.
	MaxCostUSD float64

	// NoDedupe sends every row, even one whose request is byte-identical
	// to another's (sampling at temperature > 0). By default such rows are
	// sent once and the others get a copy of the answer, at no cost.
	NoDedupe bool
	// Cache is the path of a response cache shared across jobs ("": none).
	// A request answered there is not sent: its answer and usage are
	// reused at no cost; every success this run pays for is stored.
	Cache string

	// Batch API runs (Job.BatchAPI). BatchPollInterval is the time
	// between polls (default 30 s); BatchRounds the batches a row may go
	// through before it becomes an error row (default 3); BatchFinishSync,
	// if positive, cancels a batch that long after submission and answers
	// its unanswered rows synchronously; Detach submits and returns with
	// Stop Submitted while results are pending; BatchQueueTokens is each
	// model's enqueued-token limit (0: learned from refusals). BatchCancel
	// cancels the job's live batches and collects what they answered,
	// submitting nothing.
	BatchPollInterval time.Duration
	BatchRounds       int
	BatchFinishSync   time.Duration
	Detach            bool
	BatchQueueTokens  int64
	BatchCancel       bool
	batchLimits       batchapi.Limits // per input file; zero: the Batch API's (tests set less)

	// Abandon, when closed, gives up the requests in flight at once, as
	// after a second Ctrl-C: the run stops, commits every result that has
	// arrived (milliseconds) and returns; abandoned rows stay pending for
	// the next run. nil: requests in flight get DrainTimeout.
	Abandon <-chan struct{}

	Logger   *slog.Logger   // nil: discard
	Progress func(Progress) // called after every finished row and on pauses; must be quick
	// Clock is the time every wait is measured on: pacing, backoff, the
	// 429 pause, the stall timeout, the drain. nil: the wall clock.
	Clock Clock
	Rand  func() float64 // nil: math/rand/v2
}

// Clock tells the time and makes timers; see Options.Clock.
type Clock = clock.Clock

// Timer is a Clock's one-shot timer.
type Timer = clock.Timer

// Endpoint says where requests go and how they are authenticated.
type Endpoint = client.Endpoint

// DefaultAzureAPIVersion is used when Endpoint.AzureAPIVersion is empty.
const DefaultAzureAPIVersion = client.DefaultAzureAPIVersion

// Limits are a model's rate limits, per minute. Zero means unknown.
type Limits = pace.Limits

// Params are the request parameters a job sets on every chat request. A
// nil pointer means "not set": the field is left out of the body and the
// server's default applies; a non-nil pointer is always sent, so an
// explicit temperature of 0 reaches the API as 0.
type Params = request.Params

// FormatOpenAIBatch is the input format of the OpenAI Batch API: one
// request a line, {"custom_id", "method", "url", "body"}.
const FormatOpenAIBatch = request.FormatOpenAIBatch

func (o *Options) setDefaults() {
	if o.Concurrency <= 0 {
		o.Concurrency = 256
	}
	if o.Headroom == 0 {
		o.Headroom = 0.02
	}
	if o.MaxParseAttempts <= 0 {
		o.MaxParseAttempts = defaultMaxParseAttempts
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 6
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = 500 * time.Millisecond
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 30 * time.Second
	}
	if o.StallTimeout <= 0 {
		o.StallTimeout = 10 * time.Minute
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = 30 * time.Second
	}
	if o.Prices == nil {
		o.Prices = budget.DefaultPrices()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// ConfigError is a job that cannot start as configured: a usage mistake
// the user fixes by changing flags or the job file (exit code 2).
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

func configErrorf(format string, args ...any) error {
	return &ConfigError{Err: fmt.Errorf(format, args...)}
}

// templated reports whether the job says how to build prompts.
func (j *Job) templated() bool { return j.Template != "" || j.PromptColumn != "" }

// asBatch settles a job whose input is in the Batch API's format:
// custom_id is the row's identity, and the bodies carry the prompts.
func (j *Job) asBatch() {
	j.InputFormat = FormatOpenAIBatch
	if j.IDColumn == "" {
		j.IDColumn = "custom_id"
	}
	j.dropKeptID()
}

// requestConfig is what the renderer needs of the job.
func (j *Job) requestConfig(batch bool, prices *budget.Prices) request.Config {
	return request.Config{
		Model: j.Model, System: j.System, Template: j.Template, PromptColumn: j.PromptColumn,
		Params: j.Params, IDColumn: j.IDColumn, Keep: j.Keep, Batch: batch, Prices: prices,
		JSONSchema: j.JSONSchema, SchemaName: j.SchemaName, JSONObject: j.JSONObject,
		Endpoint: j.Endpoint, Dimensions: j.Dimensions, Truncate: j.Truncate,
	}
}

// dropKeptID removes the id column from Keep: the id is always the first
// output column, so keeping it again would only collide with itself.
func (j *Job) dropKeptID() {
	if j.IDColumn == "" {
		return
	}
	keep := j.Keep[:0:0]
	for _, k := range j.Keep {
		if k != j.IDColumn {
			keep = append(keep, k)
		}
	}
	j.Keep = keep
}

// validate checks what can be checked before any file is opened.
func (j *Job) validate() error {
	if j.Input == "" {
		return configErrorf("no input: give -i/--input")
	}
	if len(j.Outputs) == 0 {
		return configErrorf("no output: give -o/--output (repeatable)")
	}
	if j.Model == "" {
		return configErrorf("no model: give --model")
	}
	if j.State == "" {
		return configErrorf("no state database path: give --state")
	}
	if err := j.validateEndpoint(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, o := range j.Outputs {
		if seen[o] {
			return configErrorf("output %s is given twice", o)
		}
		seen[o] = true
	}
	return nil
}
