// Package estimate is the dry run of a job: it renders every row through
// the same renderer as run, counts prompt tokens exactly, and prices and
// times what would be sent, in constant memory. The Batch API's input
// format gives one report per model. --sample calibration, which sends
// rows for real, belongs to the pipeline.
package estimate

import (
	"context"
	"errors"

	"github.com/batchprompt/batchprompt/internal/respcache"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/pace"
)

// Defaults of [Options].
const (
	// DefaultExpectOutputTokens is the answer length the low end of an
	// estimate assumes when none is given: a short paragraph.
	DefaultExpectOutputTokens = 100
	// DefaultMaxExamples is how many problem rows of each list an
	// estimate keeps as examples.
	DefaultMaxExamples = 20
)

// EstimateOptions tune an estimate. The zero value uses the embedded price
// table, no rate limits, the default answer length and one worker per CPU.
type Options struct {
	Prices *budget.Prices // nil: the embedded table
	// Limits are the model's rate limits (--rpm, --tpm); a zero dimension
	// is unknown and gives no duration of its own.
	Limits pace.Limits
	// ExpectOutputTokens is the typical answer length in tokens, the low
	// end of the output range; 0: DefaultExpectOutputTokens. It is
	// clamped to the output cap.
	ExpectOutputTokens int64
	MaxExamples        int // problem rows kept per list; 0: DefaultMaxExamples
	Workers            int // goroutines rendering and counting; 0: GOMAXPROCS

	// Dedupe counts a row whose request is byte-identical to an earlier
	// row's as a duplicate, not a request, as run sends it once. The scan
	// then keeps a set of 16-byte hashes of the distinct requests: about
	// 40 bytes of memory per distinct row (40 MB for a million).
	Dedupe bool
	// Cached, when set, says which of a batch of requests the response
	// cache answers (one bool per request, in order): those count as
	// cache hits, not requests. Workers call it, one batch of up to 256
	// rows at a time.
	Cached func(ctx context.Context, reqs []CacheQuery) ([]bool, error)
}

// CacheQuery names a request for Options.Cached.
type CacheQuery = respcache.Query

// EstimateReport is the dry run of a job: what it would send, cost and take,
// computed from the input alone. Its JSON form (snake_case keys, durations
// in seconds) is what `batchprompt estimate --json` prints.
type Report struct {
	Model       string       `json:"model"`
	Price       budget.Price `json:"-"`
	PriceModel  string       `json:"price_model"`  // the price table entry used
	PriceSource string       `json:"price_source"` // where the table came from, with its date

	// Rows is the number of input rows read (after Job.Limit). Every row
	// ends as exactly one of: Failed, OverInput, OverTPM, Duplicates,
	// CacheHits, Requests.
	Rows int64 `json:"rows"`
	// Duplicates repeat an earlier row's request (Options.Dedupe) and
	// CacheHits are answered by the response cache (Options.Cached): run
	// sends neither, and they cost nothing. Their prompt tokens are in
	// PromptTokens, not in its Billed.
	Duplicates int64 `json:"duplicates"`
	CacheHits  int64 `json:"cache_hits"`
	// Failed rows cannot be sent: they did not parse (ParseErrors), their
	// prompt did not render (RenderErrors) or their id column is empty
	// (IDErrors). Run writes an error row for each.
	Failed       int64 `json:"failed"`
	ParseErrors  int64 `json:"parse_errors"`
	RenderErrors int64 `json:"render_errors"`
	IDErrors     int64 `json:"id_errors"`
	// OverInput rows have a prompt longer than the model's input limit
	// (the price table's context window): the API rejects them unbilled.
	OverInput int64 `json:"over_input"`
	// OverTPM rows are charged more tokens (prompt + output cap) than the
	// whole --tpm limit: the limiter can never send them.
	OverTPM int64 `json:"over_tpm"`
	// Problems are the first MaxExamples rows, in input order, of all the
	// above kinds together.
	Problems []RowProblem `json:"problems"`
	// Tight rows fit the input limit, but prompt + output cap exceeds it.
	// They are sent and counted in Requests; on models whose window is
	// shared by input and output (all but gpt-5, whose 272k input limit is
	// separate from its 128k output), the API rejects them when
	// --max-tokens is set and otherwise may cut their answer short.
	Tight int64 `json:"tight"`

	// Requests is the number of requests the job would send and be billed
	// for: Rows minus Failed, OverInput, OverTPM, Duplicates and CacheHits.
	Requests int64 `json:"requests"`
	// PromptTokens are the exact prompt tokens of every rendered row
	// (system and user message with the chat overhead, as the API bills
	// them), including OverInput and OverTPM rows.
	PromptTokens TokenSummary `json:"prompt_tokens"`
	// ApproxPromptTokensPerRow is the part of each prompt's tokens that is
	// approximate: the response_format (--json-schema, --json-object),
	// which OpenAI bills as input without publishing how it is tokenised.
	// 0 when every prompt token is exact.
	ApproxPromptTokensPerRow int64 `json:"approximate_prompt_tokens_per_row,omitempty"`
	// PromptBytes is the size of the rendered user messages, for
	// throughput figures.
	PromptBytes int64 `json:"prompt_bytes"`

	Output OutputRange `json:"output_tokens"`
	// Cost is nil when the model has no price (Priced false): rows,
	// tokens and duration are still estimated, the cost is unknown.
	Cost     *CostRange       `json:"cost_usd"`
	Priced   bool             `json:"priced"`
	Duration DurationEstimate `json:"duration"`
}

// TokenSummary describes a token count per row. Total, Mean, Min and Max are
// exact; P50 and P95 are exact below 1024 tokens and within 0.8 % above
// (see budget.TokenStats).
type TokenSummary struct {
	Total int64   `json:"total"`
	Mean  float64 `json:"mean"`
	Min   int64   `json:"min"`
	P50   int64   `json:"p50"`
	P95   int64   `json:"p95"`
	Max   int64   `json:"max"`
	// Billed is the total over the rows counted in Requests only.
	Billed int64 `json:"billed"`
}

// RowProblem is one row that would not be sent as is.
type RowProblem struct {
	Row      int64  `json:"row"`      // 0-based row index
	Position string `json:"position"` // file:line
	// Kind is "parse", "render", "id" (as in Run's error_kind column),
	// "over_input" or "over_tpm".
	Kind  string `json:"kind"`
	Error string `json:"error"`
}

// OutputRange is the output tokens per request and in total, from the
// expected answer length (Low) to the cap every request is allowed (High).
type OutputRange struct {
	PerRowLow  int64  `json:"per_row_low"`
	PerRowHigh int64  `json:"per_row_high"`
	TotalLow   int64  `json:"total_low"`
	TotalHigh  int64  `json:"total_high"`
	LowSource  string `json:"low_source"`  // "expect-output-tokens" or "default"
	HighSource string `json:"high_source"` // "max-tokens", "model" or "fallback"
}

// CostRange is the cost in USD of the billed requests at the low and high
// ends of the output range, with every prompt token uncached (prompt
// caching can only lower it), at standard and at Batch API rates.
type CostRange struct {
	StandardLow  float64 `json:"standard_low"`
	StandardHigh float64 `json:"standard_high"`
	BatchLow     float64 `json:"batch_low"`
	BatchHigh    float64 `json:"batch_high"`
}

// ErrUnpriced is wrapped by the error Estimate returns for a model the price
// table does not list.
var ErrUnpriced = errors.New("model has no price")
