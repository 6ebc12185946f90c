// Package request is the one renderer: it turns an input record into the
// exact request to send (model, JSON body, output cap, token charge,
// hash) or into a row error that names the file, line and column. run,
// estimate, validate and export-requests all render through it, so they
// cannot disagree about a row.
package request

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/embed"
	"github.com/batchprompt/batchprompt/readers"
)

// Config is what a job says about how its rows become requests.
type Config struct {
	Model        string // the model; a Batch API body may name its own
	System       string // optional system message, a template over the row
	Template     string // Go text/template over the row's columns
	PromptColumn string // or: the column holding the prompt as is
	Params       Params
	IDColumn     string   // "" = rows are keyed by file and row
	Keep         []string // columns copied to the outputs
	// Batch says the records are Batch API request lines: their bodies are
	// sent as given, and Template, PromptColumn and System are unused.
	Batch  bool
	Prices *budget.Prices // for output caps; nil: the embedded table

	// Endpoint is EndpointChat ("" too) or EndpointEmbeddings: then each
	// row's prompt is a text to embed, Dimensions (0: the model's) is sent
	// with it, and Truncate cuts a text over the per-input token limit
	// instead of making it an error row (see embed.go).
	Endpoint   string
	Dimensions int
	Truncate   bool

	// JSONSchema, when set, is the JSON Schema every answer must follow:
	// it is checked against OpenAI's strict-mode rules by New and sent as
	// response_format {type: "json_schema", json_schema: {name:
	// SchemaName, strict: true, schema}} (see format.go). JSONObject sends
	// {type: "json_object"} instead, for servers without schema support.
	JSONSchema []byte
	SchemaName string // "" = "answer"
	JSONObject bool
}

// Renderer renders records into requests. It is safe for concurrent use.
type Renderer struct {
	cfg     Config
	prompt  *Prompt
	system  *Prompt // nil without a system message
	counter *budget.Counter
	// truncator cuts embeddings texts (Config.Truncate); nil otherwise.
	truncator *embed.Truncator
	// format is the response_format sent with every chat request (nil:
	// none) and formatTokens its approximate prompt tokens (format.go).
	format       json.RawMessage
	formatTokens int64
}

// New returns a renderer for cfg, or an error naming what is wrong with
// the template or prompt column (a configuration mistake).
func New(cfg Config) (*Renderer, error) {
	if cfg.Prices == nil {
		cfg.Prices = budget.DefaultPrices()
	}
	r := &Renderer{cfg: cfg, counter: budget.NewCounter()}
	if cfg.Endpoint == EndpointEmbeddings {
		if err := checkEmbed(cfg); err != nil {
			return nil, err
		}
		if cfg.Truncate {
			r.truncator = embed.NewTruncator(cfg.Model)
		}
	}
	var err error
	if r.format, r.formatTokens, err = r.responseFormat(); err != nil {
		return nil, err
	}
	if cfg.Batch {
		return r, nil
	}
	if r.prompt, err = NewPrompt(cfg.Template, cfg.PromptColumn); err != nil {
		return nil, err
	}
	if cfg.System != "" {
		if r.system, err = newTemplate("system", cfg.System); err != nil {
			return nil, fmt.Errorf("system message: %w", err)
		}
	}
	return r, nil
}

// Request is one input row on its way to the API: either ready to send
// (Err nil) or a row that cannot be sent, with the reason.
type Request struct {
	Seq  int64             // 0-based position in the input
	Pos  readers.Position  // where the row came from
	Key  string            // the row's identity in the state database
	ID   string            // the id column's value, or the row number
	Kept []json.RawMessage // the kept columns' values as JSON, typed as the input had them; nil is NULL

	Model  string // the model the body names
	Body   []byte // the exact JSON sent
	Hash   string // names Body: unchanged rows keep it across runs
	MaxOut int64  // the output cap the request sets, or the model's maximum

	// Tokens is the exact prompt token count and Charge the TPM charge
	// (prompt + output cap); both are zero until Count.
	Tokens, Charge int64

	// Err is set when the row cannot be sent: it becomes an error row.
	Err *RowError

	// Text is an embeddings row's input (Config.Endpoint), counted at
	// Render: Tokens and Charge are set, and Count leaves them. Finish is
	// FinishTruncated and Note says by how much when --truncate cut it.
	Text, Finish, Note string
	// Endpoint is EndpointEmbeddings for a Batch API line with url
	// /v1/embeddings, sent as given and counted at Render; "" for chat.
	Endpoint string

	msgs []budget.Message // the messages, until counted
}

// FormatTokens is how many of each prompt's tokens the response_format
// (--json-schema, --json-object) adds: an approximation, as OpenAI does not
// publish how it tokenises it. 0 without one.
func (r *Renderer) FormatTokens() int64 { return r.formatTokens }

// RowError is why a row cannot be sent. Kind is the output's error_kind
// ("parse", "id", "render", "unsupported_url", ...); Msg starts with the
// row's position.
type RowError struct{ Kind, Msg string }

func (p *Request) fail(kind, msg string) { p.Err = &RowError{Kind: kind, Msg: msg} }

// Render turns rec, the seq-th record of the input, into a request. It
// never fails as a whole: a row that cannot be sent comes back with Err.
// It costs a template execution, a JSON encoding and a hash; tokens are
// counted separately (Count), only for rows that will be sent.
func (r *Renderer) Render(rec readers.Record, seq int64) Request {
	p := Request{Seq: seq, Pos: rec.Pos, Key: PositionKey(rec.Pos), ID: strconv.FormatInt(seq, 10)}
	p.Kept = make([]json.RawMessage, len(r.cfg.Keep))
	for i, name := range r.cfg.Keep {
		if f, ok := rec.Lookup(name); ok && !f.Null {
			p.Kept[i] = keptValue(f)
		}
	}
	if r.cfg.IDColumn != "" {
		p.ID = ""
		if f, ok := rec.Lookup(r.cfg.IDColumn); ok && !f.Null {
			p.ID = f.Value
		}
	}
	if rec.Err != nil {
		p.fail("parse", rec.Err.Error())
		return p
	}
	if r.cfg.IDColumn != "" {
		if p.ID == "" {
			p.fail("id", fmt.Sprintf("%s: id column %q is empty", rec.Pos, r.cfg.IDColumn))
			return p
		}
		p.Key = "id:" + p.ID
	}
	if r.cfg.Batch {
		r.renderBatch(rec, &p)
		return p
	}
	if r.embeddings() {
		r.renderEmbed(rec, &p)
		return p
	}
	p.Model = r.cfg.Model
	p.MaxOut, _ = r.cfg.Prices.MaxOutput(r.cfg.Model)
	if r.cfg.Params.MaxTokens != nil {
		p.MaxOut = *r.cfg.Params.MaxTokens
	}
	text, err := r.prompt.Render(rec)
	if err != nil {
		p.fail("render", fmt.Sprintf("%s: %v", rec.Pos, err))
		return p
	}
	system := ""
	if r.system != nil {
		if system, err = r.system.Render(rec); err != nil {
			p.fail("render", fmt.Sprintf("%s: system message: %v", rec.Pos, err))
			return p
		}
		p.msgs = append(p.msgs, budget.Message{Role: "system", Content: system})
	}
	p.msgs = append(p.msgs, budget.Message{Role: "user", Content: text})
	body, err := buildBody(r.cfg.Model, system, text, r.cfg.Params, r.format)
	if err != nil {
		p.fail("render", fmt.Sprintf("%s: %v", rec.Pos, err))
		return p
	}
	p.Body, p.Hash = body, hashBody(body)
	return p
}

// Count measures the request's prompt exactly (tiktoken, offline, the
// model's vocabulary, with the chat format's overhead) and its TPM charge.
// Only rows that will be sent need it: a resumed run skips tokenising
// what is done. It frees the messages kept for counting. With a
// response_format the schema's tokens are added: OpenAI bills the schema
// as input but does not publish how it is tokenised, so that part is an
// approximation (the schema's JSON text counted as plain text).
func (r *Renderer) Count(p *Request) {
	if p.Text != "" || p.Endpoint == EndpointEmbeddings {
		return // an embeddings row, counted at Render
	}
	p.Tokens = int64(r.counter.Chat(p.Model, p.msgs)) + r.formatTokens
	p.Charge = budget.TPMCharge(p.Tokens, p.MaxOut)
	p.msgs = nil
}

// PromptBytes is the size of the request's message texts, for throughput
// figures. It is zero after Count.
func (p *Request) PromptBytes() int64 {
	var n int64
	for _, m := range p.msgs {
		n += int64(len(m.Content))
	}
	return n
}

// Prompt returns the request's last user message, for display (validate).
// It is empty after Count.
func (p *Request) Prompt() string {
	for i := len(p.msgs) - 1; i >= 0; i-- {
		if p.msgs[i].Role == "user" {
			return p.msgs[i].Content
		}
	}
	return ""
}

// PositionKey names a row without an id by its file and its row within
// that file, which stays stable when other part files come and go.
func PositionKey(pos readers.Position) string {
	return pos.File + "#" + strconv.FormatInt(pos.FileRow, 10)
}

// keptValue is f as one JSON value of its input's type: text as a JSON
// string, numbers, booleans, arrays and objects as the input wrote them.
// The state database stores it so, and outputs write it back typed. A
// value its reader marked but that is not valid JSON (never seen: the
// readers' fuzz targets check it) is kept as text, so it cannot fail the
// commit of the rows around it.
func keptValue(f readers.Field) json.RawMessage {
	if f.Kind != readers.KindText && json.Valid([]byte(f.Value)) {
		return json.RawMessage(f.Value)
	}
	b, err := json.Marshal(f.Value)
	if err != nil { // a string always marshals
		return nil
	}
	return b
}
