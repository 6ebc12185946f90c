package writers

import (
	"fmt"
	"math"

	"github.com/batchprompt/batchprompt/internal/coltype"
	"github.com/batchprompt/batchprompt/internal/jsonschema"
)

// Value is one input cell copied to the output. Null marks a missing value
// (an absent JSON key, a JSON null, a Parquet NULL), as distinct from "".
type Value struct {
	Text string
	Null bool
	// JSON marks Text as a JSON number, true or false, array or object, as
	// the input had it: JSONL writes it bare, Parquet converts it to the
	// column's type, CSV writes the text. Otherwise Text is a string.
	JSON bool
}

// Schema describes the columns of an output file besides the fixed result
// columns.
type Schema struct {
	IDColumn    string   // header of the first column: the user's id column name, or "row"
	RowNumberID bool     // true when the id is the 0-based row number: written as an integer (JSONL number, Parquet int64)
	Keep        []string // input columns copied to the output, in this order, after the id
	// KeptTypes are Keep's columns' types as the input had them, one per
	// Keep column (nil: all unknown). Parquet writes each column with its
	// type (see kept_types.go); an unknown type is written as STRING.
	// JSONL and CSV do not need them: each Value says its own kind.
	KeptTypes []coltype.Type
	// IDType is the id column's type in the input, when the input declares
	// one (a Parquet BIGINT ticket_id): a scalar type other than text
	// writes the id with it, so results join back to the source without a
	// cast. Zero (or text, or nested) writes the id as a string.
	IDType coltype.Type
	// Structured are the top-level properties of the answer's JSON Schema
	// (--json-schema): one typed column each, right after output, in
	// schema order (see structured.go).
	Structured []jsonschema.Column
	// Embedding makes the result columns an embeddings job's (see
	// embeddingColumns): each Row's Output is then its vector as the state
	// database stores it (embed.EncodeVector). CSV and TSV refuse it.
	Embedding bool
}

// Row is one result to write. Every format applies the same null rules: on
// a failed row (Error != "") output and finish_reason are null, and model is
// null when empty; on a successful row error is null and output is written
// even when empty. cost_usd is null when CostUSD is nil or not finite, and a
// zero cost stays 0.
type Row struct {
	ID                                                            string  // the id value (decimal text when RowNumberID)
	Kept                                                          []Value // len == len(Schema.Keep)
	Output                                                        string
	FinishReason                                                  string
	Model                                                         string
	PromptTokens, CompletionTokens, CachedTokens, ReasoningTokens int64
	CostUSD                                                       *float64 // nil = unknown (unpriced model, or no usage)
	LatencyMS                                                     int64
	Attempts                                                      int
	Error                                                         string // "" when the row succeeded
	// ServedFrom says where the answer came from: "api", "duplicate"
	// (another row's answer to the same request) or "cache" (the response
	// cache); null when "".
	ServedFrom string
	// Structured holds the values of Schema.Structured's columns as
	// jsonschema.Decode returns them; nil decodes them from Output.
	Structured []any

	// The fields below feed only the openai-batch format.
	ErrorKind    string // a short code for Error, e.g. "http_400", "parse"
	HTTPStatus   int    // 0 when no HTTP answer was received
	RequestID    string // the server's x-request-id
	ResponseBody []byte // the answer's body exactly as received
}

// DefaultIDColumn names the id column when Schema.IDColumn is empty.
const DefaultIDColumn = "row"

// resultColumns are the columns every output carries after the kept ones,
// in output order.
var resultColumns = [...]string{
	"output", "finish_reason", "model",
	"prompt_tokens", "completion_tokens", "cached_tokens", "reasoning_tokens",
	"cost_usd", "latency_ms", "attempts", "error", "served_from",
}

// Columns returns the output column names in order: id (or "row"), kept
// columns, output, finish_reason, model, prompt_tokens, completion_tokens,
// cached_tokens, reasoning_tokens, cost_usd, latency_ms, attempts, error,
// served_from. A
// kept column whose name collides with one of ours is an error (from New),
// naming it.
//
// Names are returned as valid UTF-8 (invalid bytes become U+FFFD), and
// collisions are judged on those names, since that is what readers see. Two
// kept columns of the same name, or a kept column named like the id column,
// collide too.
func (s Schema) Columns() ([]string, error) {
	id := s.IDColumn
	if id == "" {
		id = DefaultIDColumn
	}
	cols := make([]string, 0, 1+len(s.Keep)+len(resultColumns))
	seen := make(map[string]string, cap(cols)) // name → what claimed it
	claim := func(name, owner string) error {
		if prev, dup := seen[name]; dup {
			return fmt.Errorf("writers: %s %q collides with %s of the same name; rename or drop it", owner, name, prev)
		}
		seen[name] = owner
		cols = append(cols, name)
		return nil
	}
	results := resultColumns[:]
	if s.Embedding {
		results = embeddingColumns[:]
	}
	for _, name := range results {
		seen[name] = "result column"
	}
	if err := claim(validUTF8(id), "id column"); err != nil {
		return nil, err
	}
	for _, name := range s.Keep {
		if err := claim(validUTF8(name), "kept column"); err != nil {
			return nil, err
		}
	}
	cols = append(cols, results...)
	return s.withStructured(cols, seen)
}

// keptType is the type of kept column i: text when unknown.
func (s Schema) keptType(i int) coltype.Type {
	if i < len(s.KeptTypes) && s.KeptTypes[i].Known() {
		return s.KeptTypes[i]
	}
	return coltype.Type{Kind: coltype.Text}
}

// idType is the type the id is written with, or zero for a string.
func (s Schema) idType() coltype.Type {
	if s.RowNumberID || nested(s.IDType) || s.IDType.Kind == coltype.Text {
		return coltype.Type{}
	}
	return s.IDType
}

// checkRow reports a row that does not fit s, so that no format writes a
// misaligned line.
func (s Schema) checkRow(r *Row) error {
	if len(r.Kept) != len(s.Keep) {
		return fmt.Errorf("writers: row %q has %d kept values, schema keeps %d columns", r.ID, len(r.Kept), len(s.Keep))
	}
	return nil
}

// The null rules below are shared by every format so that they agree.

// outputNull reports whether output (and finish_reason) are null: a failed
// row has no output, which differs from an empty one.
func (r *Row) outputNull() bool { return r.Error != "" }

// modelNull reports whether model is null: only a failed row may lack it.
func (r *Row) modelNull() bool { return r.Error != "" && r.Model == "" }

// cost returns the cost and whether it is known. A non-finite cost cannot be
// written as JSON and means nothing anyway, so it counts as unknown.
func (r *Row) cost() (float64, bool) {
	if r.CostUSD == nil || math.IsNaN(*r.CostUSD) || math.IsInf(*r.CostUSD, 0) {
		return 0, false
	}
	return *r.CostUSD, true
}
