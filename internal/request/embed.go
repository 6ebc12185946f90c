package request

import (
	"errors"
	"fmt"

	"github.com/batchprompt/batchprompt/internal/embed"
	"github.com/batchprompt/batchprompt/readers"
)

// Endpoints a job may send its rows to (Config.Endpoint).
const (
	// EndpointChat is POST /chat/completions: each row is one prompt.
	EndpointChat = "chat"
	// EndpointEmbeddings is POST /embeddings: each row is one text to
	// embed, and many rows share a request (internal/embedexec).
	EndpointEmbeddings = "embeddings"
)

// DefaultEmbeddingModel is the model an embeddings job uses when none is
// given.
const DefaultEmbeddingModel = "text-embedding-3-small"

// FinishTruncated is the finish reason of an embeddings row whose text was
// cut at the input limit (--truncate): the row says so, as the issue asks.
const FinishTruncated = "truncated"

// embeddings reports whether the renderer builds embeddings rows.
func (r *Renderer) embeddings() bool { return r.cfg.Endpoint == EndpointEmbeddings }

// renderEmbed makes p an embeddings row: Text is the rendered template (or
// the prompt column), counted at once in the model's vocabulary, since a
// text over the per-input limit must become an error row before anything
// is claimed or sent, or be cut with Config.Truncate. Body is the row's
// own one-input request, so that Hash names exactly what is embedded and
// export-requests and the Batch API have a body to send.
func (r *Renderer) renderEmbed(rec readers.Record, p *Request) {
	p.Model = r.cfg.Model
	text, err := r.prompt.Render(rec)
	if err != nil {
		p.fail("render", fmt.Sprintf("%s: %v", rec.Pos, err))
		return
	}
	if text == "" {
		p.fail("empty_input", fmt.Sprintf("%s: the text to embed is empty: %v", rec.Pos, embed.ErrEmptyInput))
		return
	}
	if r.cfg.Truncate {
		cut, err := r.truncator.Truncate(text, embed.MaxTokensPerInput)
		if err != nil {
			p.fail("render", fmt.Sprintf("%s: %v", rec.Pos, err))
			return
		}
		text, p.Tokens = cut.Text, int64(cut.Tokens)
		if cut.Cut {
			p.Finish = FinishTruncated
			p.Note = fmt.Sprintf("truncated from %d to %d tokens", cut.Original, cut.Tokens)
		}
	} else {
		p.Tokens = int64(r.counter.Count(r.cfg.Model, text))
		if p.Tokens > embed.MaxTokensPerInput {
			p.fail("too_long", fmt.Sprintf("%s: %v: %d tokens, the embeddings API takes at most %d per input (--truncate cuts it)",
				rec.Pos, embed.ErrInputTooLong, p.Tokens, embed.MaxTokensPerInput))
			return
		}
	}
	body, err := embed.RequestBody(r.cfg.Model, r.cfg.Dimensions, []string{text})
	if err != nil {
		p.fail("render", fmt.Sprintf("%s: %v", rec.Pos, err))
		return
	}
	p.Text, p.Charge = text, p.Tokens
	p.Body, p.Hash = body, hashBody(body)
}

// checkEmbed refuses an embeddings configuration the API would refuse on
// every request.
func checkEmbed(cfg Config) error {
	if cfg.Dimensions < 0 {
		return fmt.Errorf("--dimensions must be positive, got %d", cfg.Dimensions)
	}
	if cfg.Dimensions > 0 && !embed.SupportsDimensions(cfg.Model) {
		return fmt.Errorf("model %s does not support --dimensions", cfg.Model)
	}
	if d := embed.DefaultDimensions(cfg.Model); cfg.Dimensions > d && d > 0 {
		return fmt.Errorf("--dimensions %d is more than model %s's %d", cfg.Dimensions, cfg.Model, d)
	}
	if cfg.Batch {
		return errors.New("--endpoint embeddings takes a template or a prompt column, not Batch API lines (their url says the endpoint)")
	}
	return nil
}
