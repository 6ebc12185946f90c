package simulator

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/jsonschema"
)

// SchemaAnswer returns the answer the simulator gives, in choice number
// choice (0 for the first), to a request whose response_format carries
// schema and whose hash is requestHash (the "hash" of its RequestLog line,
// or [RequestHash] of its body): a JSON object that conforms to the
// schema, with values drawn deterministically from the hash (see
// [jsonschema.Schema.Example]). An end-to-end test computes with it the
// values its output must hold. It fails when schema is not a JSON object
// or has a pattern the generator cannot satisfy.
func SchemaAnswer(schema []byte, requestHash string, choice int) ([]byte, error) {
	s, err := jsonschema.Parse(schema)
	if err != nil {
		return nil, err
	}
	return s.Example(rng(requestHash, "schema|"+strconv.Itoa(choice)))
}

// RequestHash returns the hash the simulator derives a chat request's
// answer from: the SHA-256 of its body with keys sorted, so formatting and
// key order do not matter. It fails on a body the simulator would refuse.
func RequestHash(body []byte) (string, error) {
	req, e := parseChat(body, "")
	if e != nil {
		return "", fmt.Errorf("simulator: %w", e)
	}
	return req.hash, nil
}

// structured builds choice index of a reply to a request with a
// response_format: the schema's example answer, or for json_object an
// object holding the usual text reply. It honours the output cap the way
// generate does: reasoning first, then visible tokens; an answer over the
// cap is cut (leaving broken JSON) with finish_reason "length".
func (s *Server) structured(req *chatRequest, index int, limit int64) completion {
	plain := *req
	plain.format = nil
	var text string
	if req.format.kind == "json_object" {
		c := s.generate(&plain, index, 1<<30) // the text reply, uncapped
		q, _ := json.Marshal(c.text)          // a string always marshals
		text = `{"answer":` + string(q) + `}`
	} else {
		b, err := SchemaAnswer(req.format.raw, req.hash, index)
		if err != nil {
			// The API would answer something; the simulator cannot, so it
			// says why in the content, which then fails validation visibly.
			b = []byte("simulator: " + err.Error())
		}
		text = string(b)
	}
	var c completion
	if budget.IsReasoningModel(req.model) {
		c.reasoning = minReasoningTokens + rng(req.hash, "choice"+strconv.Itoa(index)).IntN(maxReasoningTokens-minReasoningTokens+1)
		if int64(c.reasoning) >= limit {
			return completion{tokens: int(limit), reasoning: int(limit), finish: "length"}
		}
	}
	visibleCap := int(limit) - c.reasoning
	n := s.counter.Count(req.model, text)
	c.finish = "stop"
	if n > visibleCap {
		text, n = s.cutTo(req.model, text, visibleCap)
		c.finish = "length"
	}
	c.text, c.tokens = text, n+c.reasoning
	return c
}

// cutTo returns the longest prefix of text (at a rune boundary) within
// limit tokens, and its count: what the API sends when the cap stops a
// JSON answer midway. It counts O(log len(text)) times.
func (s *Server) cutTo(model, text string, limit int) (string, int) {
	cuts := make([]int, 0, len(text)+1)
	for i := range text {
		cuts = append(cuts, i)
	}
	cuts = append(cuts, len(text))
	lo, hi := 0, len(cuts)-1 // invariant: text[:cuts[lo]] fits
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if s.counter.Count(model, text[:cuts[mid]]) <= limit {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	out := strings.Clone(text[:cuts[lo]])
	return out, s.counter.Count(model, out)
}
