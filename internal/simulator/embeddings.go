package simulator

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/embed"
)

// serveEmbeddings answers POST /v1/embeddings as serveChat answers chat:
// authentication, quota, validation, token limits, rate limits, latency,
// faults, then deterministic vectors ([EmbeddingFor]).
func (s *Server) serveEmbeddings(w http.ResponseWriter, r *http.Request) {
	now := s.cfg.Now()
	if r.Method != http.MethodPost {
		s.writeError(w, s.lim.state(now), "", errMethod(r.Method, r.URL.Path))
		return
	}
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	req, perr := parseEmbeddings(body)
	if readErr != nil {
		req, perr = nil, invalid(fmt.Sprintf("Could not read the request body: %v", readErr), "", "")
	}
	hash := hashBytes(body)
	if req != nil {
		hash = req.hash
	}
	if x := s.newExchange(w, r, now, body, hash); x.precheck(perr) {
		x.embed(req)
	}
}

// precheck makes the checks every endpoint makes first, in the API's
// order: the key, the quota, then perr, the body's validation error if any.
// It answers the first that fails and reports whether all passed.
func (x *exchange) precheck(perr *apiError) bool {
	s := x.s
	switch {
	case !s.authorised(x.r):
		_, missing := bearer(x.r)
		x.fail(s.lim.state(x.at), errAuth(missing), func(st *Stats) { st.Unauthorized++ })
	case s.cfg.InsufficientQuota:
		x.fail(s.lim.state(x.at), errQuota(), func(st *Stats) { st.InsufficientQuota++ })
	case perr != nil:
		x.fail(s.lim.state(x.at), perr, func(st *Stats) { st.Invalid++ })
	default:
		return true
	}
	return false
}

// newExchange counts the request and its attempt number and derives its
// request id, the bookkeeping every endpoint starts with.
func (s *Server) newExchange(w http.ResponseWriter, r *http.Request, now time.Time, body []byte, hash string) *exchange {
	x := &exchange{s: s, w: w, r: r, at: now, body: body, hash: hash}
	s.mu.Lock()
	s.stats.Requests++
	x.attempt = s.attempts.next(attemptKey(hash))
	s.mu.Unlock()
	sum := sha256.Sum256([]byte(hash + "|" + strconv.FormatInt(x.attempt, 10) + "|" + strconv.FormatInt(s.cfg.Seed, 10)))
	x.reqID = "req_" + hex.EncodeToString(sum[:16])
	return x
}

// embeddingsCharge is what an embeddings request costs the TPM bucket: its
// input tokens, there being no output. It is the one place to change
// should the chat charge rules (Config.TPMCharge) come to cover embeddings.
func embeddingsCharge(inputTokens int64) int64 {
	return budget.TPMCharge(inputTokens, 0)
}

// embed handles a valid, authorised embeddings request.
func (x *exchange) embed(req *embeddingsRequest) {
	s := x.s
	if !s.allowed(req.model) {
		x.fail(s.lim.state(x.at), errModelNotFound(req.model), func(st *Stats) { st.Invalid++ })
		return
	}
	var total int64
	for _, in := range req.inputs {
		n := int64(len(in.ids))
		if in.ids == nil {
			n = int64(s.counter.Count(req.model, in.text))
		}
		if n > embed.MaxTokensPerInput {
			x.fail(s.lim.state(x.at), invalid(fmt.Sprintf("This model's maximum context length is %d tokens, however you "+
				"requested %d tokens (%d in your prompt; 0 for the completion). Please reduce your prompt; or completion length.",
				embed.MaxTokensPerInput, n, n), "", ""), func(st *Stats) { st.Invalid++ })
			return
		}
		total += n
	}
	if total > embed.MaxTokensPerRequest {
		e := &apiError{status: http.StatusBadRequest, Type: "max_tokens_per_request", Code: strp("max_tokens_per_request"),
			Message: fmt.Sprintf("Requested %d tokens, max %d tokens per request", total, embed.MaxTokensPerRequest)}
		x.fail(s.lim.state(x.at), e, func(st *Stats) { st.Invalid++ })
		return
	}
	ref, st := s.lim.admit(x.at, embeddingsCharge(total))
	if ref != nil {
		x.fail(st, ref.toAPIError(req.model, x.w.Header()), func(st *Stats) { st.RateLimited++ })
		return
	}
	st.setHeaders(x.w.Header())
	x.deliver(func(truncated bool) {
		x.writeOK(appendEmbeddingsAnswer(nil, req, total), truncated, total, 0)
	})
}

// appendEmbeddingsAnswer appends the response body for req, whose inputs
// hold tokens tokens in all, to b. It writes the JSON by hand, in the field
// order of OpenAI's answers: encoding/json's reflection made a full request
// (2048 vectors of 1536 floats) take seconds. Floats are written in the
// shortest form that reads back as the same float32.
func appendEmbeddingsAnswer(b []byte, req *embeddingsRequest, tokens int64) []byte {
	per := 12 * req.dims // a float32 in decimal with its comma, roughly
	if req.base64 {
		per = base64.StdEncoding.EncodedLen(4 * req.dims)
	}
	b = slices.Grow(b, len(req.inputs)*(per+64)+len(req.model)+128)
	b = append(b, `{"object":"list","data":[`...)
	var scratch []byte
	for i, in := range req.inputs {
		v := EmbeddingFor(in.text, req.dims)
		if in.ids != nil {
			v = EmbeddingForTokens(in.ids, req.dims)
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"object":"embedding","index":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"embedding":`...)
		if req.base64 {
			scratch = appendFloatBytes(scratch[:0], v)
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, scratch)
			b = append(b, '"')
		} else {
			b = append(b, '[')
			for j, f := range v {
				if j > 0 {
					b = append(b, ',')
				}
				b = strconv.AppendFloat(b, float64(f), 'g', -1, 32)
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	model, _ := json.Marshal(req.model) // a string always marshals
	b = append(b, `],"model":`...)
	b = append(b, model...)
	b = append(b, `,"usage":{"prompt_tokens":`...)
	b = strconv.AppendInt(b, tokens, 10)
	b = append(b, `,"total_tokens":`...)
	b = strconv.AppendInt(b, tokens, 10)
	return append(b, "}}\n"...)
}
