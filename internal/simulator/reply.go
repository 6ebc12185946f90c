package simulator

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode"

	"github.com/batchprompt/batchprompt/budget"
)

// Reply lengths are kept short so tests and benchmarks stay fast.
const (
	minReplyTokens     = 5
	maxReplyTokens     = 60
	minReasoningTokens = 16
	maxReasoningTokens = 256
	quotedWords        = 8  // words of the prompt echoed in the reply
	maxQuotedRunes     = 24 // per echoed word, so one huge "word" cannot blow up a reply
)

// fillerText holds common English words, each a single token with a
// leading space in both o200k_base and cl100k_base, so replies grow
// predictably. New splits it once per Server.
const fillerText = "the data shows a clear pattern in each record and result is consistent with what we " +
	"expected from this input so answer remains simple short for now but more detail can follow later " +
	"if needed by user of system text"

// completion is one generated choice.
type completion struct {
	text      string
	tokens    int // completion tokens billed: visible text + reasoning
	reasoning int
	finish    string // "stop" or "length"
}

// rng returns a generator seeded from the request hash and a label, so every
// decision about a request is a pure function of its body.
func rng(hash, label string) *rand.Rand {
	sum := sha256.Sum256([]byte(hash + "|" + label))
	return rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])))
}

// generate builds choice index of req's reply, capped at limit tokens
// (reasoning included). It counts tokens with s.counter, a few times at most.
func (s *Server) generate(req *chatRequest, index int, limit int64) completion {
	if req.format != nil {
		return s.structured(req, index, limit) // JSON answers: schema_answer.go
	}
	r := rng(req.hash, "choice"+strconv.Itoa(index))
	target := minReplyTokens + r.IntN(maxReplyTokens-minReplyTokens+1)
	var c completion
	if budget.IsReasoningModel(req.model) {
		c.reasoning = minReasoningTokens + r.IntN(maxReasoningTokens-minReasoningTokens+1)
		if int64(c.reasoning) >= limit {
			// The model thought until the cap: no visible text, as the API does.
			return completion{tokens: int(limit), reasoning: int(limit), finish: "length"}
		}
	}
	visibleCap := int(limit) - c.reasoning
	// Every natural reply quotes the prompt's first words, so a test can
	// tell which row an answer belongs to; only the output cap cuts them.
	pieces, echoed := replyPieces(req.lastUser, s.filler, r)
	// Pieces tokenise independently (each starts a new pre-token), so their
	// separate counts add up to the total: stop once the target is reached.
	k, sum := 0, 0
	for k < len(pieces) && (sum < target || k < echoed) {
		sum += s.counter.Count(req.model, pieces[k])
		k++
	}
	if k < len(pieces) {
		pieces = append(pieces[:k], ".") // a natural stop ends the sentence
		k++
	}
	text := strings.Join(pieces[:k], "")
	n := s.counter.Count(req.model, text)
	c.finish = "stop"
	if n >= visibleCap {
		text, n = s.truncate(req.model, pieces[:k], visibleCap)
		c.finish = "length"
	}
	c.text, c.tokens = text, n+c.reasoning
	return c
}

// truncate returns the longest prefix of pieces within limit tokens, padded
// with one-token words to exactly limit tokens, and its token count.
func (s *Server) truncate(model string, pieces []string, limit int) (string, int) {
	lo, hi := 0, len(pieces) // invariant: pieces[:lo] fits
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if s.counter.Count(model, strings.Join(pieces[:mid], "")) <= limit {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	text := strings.Join(pieces[:lo], "")
	n := s.counter.Count(model, text)
	pad := " a"
	if text == "" {
		pad = "a"
	}
	// " a" is one token after any non-space text; a few checked rounds make
	// that exact even if some prompt echo tokenises unexpectedly.
	for round := 0; n < limit && round < 8; round++ {
		text += pad + strings.Repeat(" a", limit-n-1)
		pad = " a"
		n = s.counter.Count(model, text)
	}
	for n > limit && len(text) >= 2 && strings.HasSuffix(text, " a") {
		text = text[:len(text)-2]
		n = s.counter.Count(model, text)
	}
	return text, n
}

// replyPieces returns the reply's building blocks: "Simulated answer to:",
// up to quotedWords words of the prompt, then enough filler for the longest
// reply. Every piece but the first starts with a space.
func replyPieces(prompt string, filler []string, r *rand.Rand) (pieces []string, echoed int) {
	pieces = []string{"Simulated", " answer", " to", ":"}
	words := strings.FieldsFunc(prompt, func(c rune) bool { return unicode.IsSpace(c) || unicode.IsControl(c) })
	if len(words) > quotedWords {
		words = words[:quotedWords]
	}
	for _, w := range words {
		if rs := []rune(w); len(rs) > maxQuotedRunes {
			w = string(rs[:maxQuotedRunes])
		}
		pieces = append(pieces, " "+w)
	}
	if len(words) > 0 {
		pieces = append(pieces, "…")
	}
	echoed = len(pieces)
	for i := 0; i < maxReplyTokens+quotedWords; i++ {
		pieces = append(pieces, " "+filler[r.IntN(len(filler))])
	}
	return append(pieces, "."), echoed
}
