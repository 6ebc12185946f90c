package embed

import (
	"errors"
	"fmt"
)

// Errors the [Packer] returns for a row it cannot place, wrapped with the
// row's ID and figures; test for them with [errors.Is].
var (
	// ErrEmptyInput: the API refuses empty inputs ("'$.input' is invalid").
	ErrEmptyInput = errors.New("empty input: the embeddings API refuses empty strings")
	// ErrInputTooLong: the row has more tokens than one input may have;
	// truncate it ([Truncator]) or skip it.
	ErrInputTooLong = errors.New("input too long")
)

// Row is one text to embed.
type Row struct {
	// Seq and ID identify the row to the caller; the packer only copies them.
	Seq int64
	ID  string
	// Text is the input sent to the API.
	Text string
	// Tokens is what Text encodes to for the model (budget.Counter.Count).
	Tokens int
}

// Request is one packed embeddings request: at most the [Limits]' inputs
// and tokens. Rows are in the order they were added, and the i-th input of
// the request body is Rows[i].Text.
type Request struct {
	Rows   []Row
	Tokens int // sum of Rows[i].Tokens
}

// Texts returns the request's inputs in order.
func (r *Request) Texts() []string {
	out := make([]string, len(r.Rows))
	for i, row := range r.Rows {
		out[i] = row.Text
	}
	return out
}

// Limits caps what one request carries. Zero fields mean the API's
// maximum; values above the API's maximum are refused by [NewPacker].
type Limits struct {
	MaxInputs int // inputs per request (--embed-batch), at most MaxInputsPerRequest
	MaxTokens int // tokens summed per request, at most MaxTokensPerRequest
}

// Packer groups rows into requests, streaming: it holds at most one
// request's rows, so its memory is bounded by Limits whatever the number of
// rows. Rows keep their order and are never split or reordered; a request
// is closed as soon as the next row does not fit. A Packer is not safe for
// concurrent use.
type Packer struct {
	lim Limits
	cur Request
}

// NewPacker returns a Packer for l, or an error if a limit is negative or
// above the API's.
func NewPacker(l Limits) (*Packer, error) {
	if l.MaxInputs < 0 || l.MaxInputs > MaxInputsPerRequest {
		return nil, fmt.Errorf("embed: inputs per request must be 1..%d, got %d", MaxInputsPerRequest, l.MaxInputs)
	}
	if l.MaxTokens < 0 || l.MaxTokens > MaxTokensPerRequest {
		return nil, fmt.Errorf("embed: tokens per request must be 1..%d, got %d", MaxTokensPerRequest, l.MaxTokens)
	}
	if l.MaxInputs == 0 {
		l.MaxInputs = MaxInputsPerRequest
	}
	if l.MaxTokens == 0 {
		l.MaxTokens = MaxTokensPerRequest
	}
	return &Packer{lim: l}, nil
}

// Add places r. When r does not fit in the open request, that request is
// returned, complete, and r opens the next one; otherwise Add returns nil.
// A row that can never be sent (empty, or more tokens than one input or one
// request may have) is refused with an error wrapping [ErrEmptyInput] or
// [ErrInputTooLong]; the Packer is unchanged and stays usable.
func (p *Packer) Add(r Row) (*Request, error) {
	if r.Text == "" {
		return nil, fmt.Errorf("embed: row %q: %w", r.ID, ErrEmptyInput)
	}
	if r.Tokens < 0 {
		return nil, fmt.Errorf("embed: row %q: negative token count %d", r.ID, r.Tokens)
	}
	if limit := min(MaxTokensPerInput, p.lim.MaxTokens); r.Tokens > limit {
		return nil, fmt.Errorf("embed: row %q: %w: %d tokens, limit %d", r.ID, ErrInputTooLong, r.Tokens, limit)
	}
	var done *Request
	if len(p.cur.Rows) == p.lim.MaxInputs || (len(p.cur.Rows) > 0 && p.cur.Tokens+r.Tokens > p.lim.MaxTokens) {
		done = p.Flush()
	}
	if p.cur.Rows == nil {
		// A fresh slice per request, since the returned one belongs to the
		// caller, sized once (about 100 KB at 2048 inputs) rather than grown.
		p.cur.Rows = make([]Row, 0, p.lim.MaxInputs)
	}
	p.cur.Rows = append(p.cur.Rows, r)
	p.cur.Tokens += r.Tokens
	return done, nil
}

// Flush returns the open request, or nil if it is empty, and starts a new
// one. Call it after the last row.
func (p *Packer) Flush() *Request {
	if len(p.cur.Rows) == 0 {
		return nil
	}
	done := p.cur
	p.cur = Request{}
	return &done
}
