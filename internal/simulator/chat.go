package simulator

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxBodyBytes bounds a request body; the real API refuses far smaller ones.
const maxBodyBytes = 64 << 20

// exchange is one request's bookkeeping, so every exit path logs and counts
// the same way.
type exchange struct {
	s       *Server
	w       http.ResponseWriter
	r       *http.Request
	at      time.Time
	body    []byte
	hash    string
	attempt int64
	reqID   string
	charge  int64 // what the TPM bucket took; 0 until admitted
}

// serveChat answers one chat completion: authentication, quota,
// validation, rate limits, latency, faults, then the deterministic reply.
func (s *Server) serveChat(w http.ResponseWriter, r *http.Request, deployment string) {
	now := s.cfg.Now()
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	req, perr := parseChat(body, deployment)
	if readErr != nil {
		req, perr = nil, invalid(fmt.Sprintf("Could not read the request body: %v", readErr), "", "")
	}
	x := &exchange{s: s, w: w, r: r, at: now, body: body}
	if req != nil {
		x.hash = req.hash
	} else {
		x.hash = hashBytes(body)
	}
	s.mu.Lock()
	s.stats.Requests++
	x.attempt = s.attempts.next(attemptKey(x.hash))
	s.mu.Unlock()
	sum := sha256.Sum256([]byte(x.hash + "|" + strconv.FormatInt(x.attempt, 10) + "|" + strconv.FormatInt(s.cfg.Seed, 10)))
	x.reqID = "req_" + hex.EncodeToString(sum[:16])

	switch {
	case !s.authorised(r):
		_, missing := bearer(r)
		x.fail(s.lim.state(now), errAuth(missing), func(st *Stats) { st.Unauthorized++ })
	case s.cfg.InsufficientQuota:
		x.fail(s.lim.state(now), errQuota(), func(st *Stats) { st.InsufficientQuota++ })
	case perr != nil:
		x.fail(s.lim.state(now), perr, func(st *Stats) { st.Invalid++ })
	default:
		x.chat(req)
	}
}

// chat handles a valid, authorised request.
func (x *exchange) chat(req *chatRequest) {
	s := x.s
	if !s.allowed(req.model) {
		x.fail(s.lim.state(x.at), errModelNotFound(req.model), func(st *Stats) { st.Invalid++ })
		return
	}
	modelMax, window, known := s.modelLimits(req.model)
	limit := req.maxOut
	if limit == 0 {
		limit = modelMax
	}
	if known && req.maxOut > modelMax {
		x.fail(s.lim.state(x.at), invalid(fmt.Sprintf("%s is too large: %d. This model supports at most %d "+
			"completion tokens, whereas you provided %d.", req.capParam, req.maxOut, modelMax, req.maxOut), req.capParam, "invalid_value"),
			func(st *Stats) { st.Invalid++ })
		return
	}
	prompt := int64(s.counter.Chat(req.model, req.messages))
	if window > 0 && prompt > window {
		x.fail(s.lim.state(x.at), invalid(fmt.Sprintf("This model's maximum context length is %d tokens. However, your "+
			"messages resulted in %d tokens. Please reduce the length of the messages.", window, prompt),
			"messages", "context_length_exceeded"), func(st *Stats) { st.Invalid++ })
		return
	}
	x.charge = s.tpmCharge(req, prompt, limit)
	ref, st := s.lim.admit(x.at, x.charge)
	if ref != nil {
		x.charge = 0 // refused: nothing was taken
		e := ref.toAPIError(req.model, x.w.Header())
		x.fail(st, e, func(st *Stats) { st.RateLimited++ })
		return
	}
	st.setHeaders(x.w.Header())
	x.deliver(func(truncated bool) { x.answer(req, prompt, limit, truncated) })
}

// answer sends the deterministic reply, or its first half when truncated.
func (x *exchange) answer(req *chatRequest, prompt, limit int64, truncated bool) {
	s := x.s
	resp := chatResponse{
		ID: "chatcmpl-" + x.reqID[4:28], Object: "chat.completion", Created: x.at.Unix(), Model: req.model,
		ServiceTier: "default", SystemFingerprint: "fp_sim" + x.hash[:8],
	}
	var out, reasoning int64
	for i := range req.n {
		c := s.reply(req, i, limit, x.attempt) // schema faults: schema_faults.go
		resp.Choices = append(resp.Choices, choice{
			Index: i, Logprobs: json.RawMessage("null"), FinishReason: c.finish, Message: c.message(),
		})
		out += int64(c.tokens)
		reasoning += int64(c.reasoning)
	}
	resp.Usage = usage{PromptTokens: prompt, CompletionTokens: out, TotalTokens: prompt + out,
		CompletionTokensDetails: outputDetails{ReasoningTokens: reasoning}}
	b, err := json.Marshal(resp)
	if err != nil { // only strings and numbers: cannot happen
		x.fail(limitState{}, errServer(), func(*Stats) {})
		return
	}
	b = append(b, '\n')
	x.writeOK(b, truncated, prompt, out)
}

// hang answers nothing until the client gives up or the server is released.
func (x *exchange) hang() {
	x.count(func(st *Stats) { st.Faults.Hang++ })
	if x.s.onHang != nil {
		x.s.onHang()
	}
	select {
	case <-x.r.Context().Done():
		x.log(0, faultHang, 0, 0)
	case <-x.s.released:
		x.log(0, faultHang, 0, 0)
		abort(x.w)
	}
}

// fault counts and logs fault k, then runs send.
func (x *exchange) fault(k faultKind, send func()) {
	x.count(func(st *Stats) { st.Faults.add(k) })
	status := map[faultKind]int{fault500: 500, fault502HTML: 502, fault503: 503, faultTruncated: 200}[k]
	x.log(status, k, 0, 0)
	send()
}

// fail sends e with headers st, counting it with inc.
func (x *exchange) fail(st limitState, e *apiError, inc func(*Stats)) {
	x.count(inc)
	x.log(e.status, "", 0, 0)
	x.s.writeError(x.w, st, x.reqID, e)
}

func (x *exchange) count(inc func(*Stats)) {
	x.s.mu.Lock()
	inc(&x.s.stats)
	x.s.mu.Unlock()
}

func (x *exchange) log(status int, k faultKind, prompt, completion int64) {
	x.s.logRequest(x.at, x.hash, x.attempt, status, k, x.body, prompt, completion, x.charge)
}

// attemptKey shortens a hex hash to 16 bytes for the attempt map, which
// grows by one entry per distinct request for the Server's lifetime.
func attemptKey(hash string) [16]byte {
	var k [16]byte
	_, _ = hex.Decode(k[:], []byte(hash[:32])) // hashes are 64 hex digits
	return k
}

// authorised checks the API key in constant time.
func (s *Server) authorised(r *http.Request) bool {
	if s.cfg.APIKey == "" {
		return true
	}
	key, missing := bearer(r)
	return !missing && subtle.ConstantTimeCompare([]byte(key), []byte(s.cfg.APIKey)) == 1
}

// bearer returns the key from "Authorization: Bearer" or "api-key", and
// whether none was given.
func bearer(r *http.Request) (key string, missing bool) {
	if k := r.Header.Get("api-key"); k != "" {
		return k, false
	}
	auth := r.Header.Get("Authorization")
	if k, ok := strings.CutPrefix(auth, "Bearer "); ok && strings.TrimSpace(k) != "" {
		return strings.TrimSpace(k), false
	}
	return "", auth == ""
}
