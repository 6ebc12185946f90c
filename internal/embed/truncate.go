package embed

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/tiktoken-go/tokenizer"
)

// Truncator cuts texts to a token limit for one model's encoding (for
// --truncate). The vocabulary is built once, on the first call (tens of
// milliseconds); a Truncator is safe for concurrent use.
type Truncator struct {
	enc   tokenizer.Encoding
	once  sync.Once
	codec tokenizer.Codec
	err   error
}

// NewTruncator returns a Truncator for model's encoding
// ([budget.EncodingForModel]: cl100k_base for OpenAI's embedding models).
// It is cheap: nothing is loaded until the first call.
func NewTruncator(model string) *Truncator {
	enc := tokenizer.O200kBase
	if budget.EncodingForModel(model) == budget.EncodingCl100k {
		enc = tokenizer.Cl100kBase
	}
	return &Truncator{enc: enc}
}

// Cut is what [Truncator.Truncate] did to one text.
type Cut struct {
	Text     string // the text to send: the input, or its cut prefix
	Tokens   int    // tokens Text encodes to, at most the limit
	Original int    // tokens the whole input encodes to
	Cut      bool   // Text is shorter than the input
}

// Truncate returns text unchanged if it encodes to at most limit tokens
// (limit 0 means [MaxTokensPerInput]), and otherwise its longest prefix
// that ends on a token boundary, holds whole UTF-8 characters and encodes
// to at most limit tokens, with Cut set. Token counts agree with
// budget.Counter.Count, invalid UTF-8 being counted as U+FFFD as the API
// sees it (a cut text carries the U+FFFD). Cost: one encoding of text plus,
// when cut, one or rarely a few counts of the prefix; linear in len(text).
func (t *Truncator) Truncate(text string, limit int) (Cut, error) {
	if limit < 0 {
		return Cut{}, fmt.Errorf("embed: truncate limit must be positive, got %d", limit)
	}
	if limit == 0 {
		limit = MaxTokensPerInput
	}
	codec, err := t.load()
	if err != nil {
		return Cut{}, err
	}
	_, toks, err := codec.Encode(text)
	if err != nil {
		return Cut{}, fmt.Errorf("embed: tokenizing: %w", err)
	}
	if len(toks) <= limit {
		return Cut{Text: text, Tokens: len(toks), Original: len(toks)}, nil
	}
	// toks are the pieces of the (UTF-8-cleaned) input in order, so their
	// concatenation is a prefix of it. Re-encoding a prefix can merge or
	// split the last pieces differently, so count it again and back off by
	// the excess until it fits; one round almost always suffices.
	for k := limit; k > 0; {
		prefix := trimPartialRune(strings.Join(toks[:k], ""))
		n, err := codec.Count(prefix)
		if err != nil {
			return Cut{}, fmt.Errorf("embed: tokenizing: %w", err)
		}
		if n <= limit {
			return Cut{Text: prefix, Tokens: n, Original: len(toks), Cut: true}, nil
		}
		k -= n - limit
	}
	return Cut{Original: len(toks), Cut: true}, nil
}

func (t *Truncator) load() (tokenizer.Codec, error) {
	t.once.Do(func() {
		c, err := tokenizer.Get(t.enc)
		if err != nil {
			t.err = fmt.Errorf("embed: loading %s: %w", t.enc, err)
			return
		}
		// As budget.Counter does: what the API sees after JSON decoding.
		c.SetErrorMode(tokenizer.ErrorModeReplace)
		t.codec = c
	})
	return t.codec, t.err
}

// trimPartialRune drops the bytes of a UTF-8 sequence left incomplete at
// the end of s (a token boundary may fall inside a character).
func trimPartialRune(s string) string {
	for range utf8.UTFMax - 1 {
		r, size := utf8.DecodeLastRuneInString(s)
		if r != utf8.RuneError || size != 1 {
			return s
		}
		s = s[:len(s)-1]
	}
	return s
}
