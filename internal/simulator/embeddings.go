package simulator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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
	key := attemptKey(hash)
	s.attempts[key]++
	x.attempt = s.attempts[key]
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
		b, err := json.Marshal(embeddingsAnswer(req, total))
		if err != nil { // only strings and finite floats: cannot happen
			x.fail(limitState{}, errServer(), func(*Stats) {})
			return
		}
		x.writeOK(append(b, '\n'), truncated, total, 0)
	})
}

type embeddingsResponse struct {
	Object string          `json:"object"`
	Data   []embeddingItem `json:"data"`
	Model  string          `json:"model"`
	Usage  struct {
		PromptTokens int64 `json:"prompt_tokens"`
		TotalTokens  int64 `json:"total_tokens"`
	} `json:"usage"`
}

type embeddingItem struct {
	Object    string `json:"object"`
	Index     int    `json:"index"`
	Embedding any    `json:"embedding"` // []float32, or a base64 string
}

// embeddingsAnswer builds the response body for req, whose inputs hold
// tokens tokens in all.
func embeddingsAnswer(req *embeddingsRequest, tokens int64) embeddingsResponse {
	resp := embeddingsResponse{Object: "list", Model: req.model, Data: make([]embeddingItem, len(req.inputs))}
	for i, in := range req.inputs {
		v := EmbeddingFor(in.text, req.dims)
		if in.ids != nil {
			v = EmbeddingForTokens(in.ids, req.dims)
		}
		var e any = v
		if req.base64 {
			e = base64Floats(v)
		}
		resp.Data[i] = embeddingItem{Object: "embedding", Index: i, Embedding: e}
	}
	resp.Usage.PromptTokens, resp.Usage.TotalTokens = tokens, tokens
	return resp
}
