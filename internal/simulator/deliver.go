package simulator

import (
	"io"
	"net/http"
	"strconv"
)

// deliver is what happens to an admitted request on any endpoint: the
// fault draw, a hang, the latency, then either the fault's answer or
// send's. send is told whether to cut its body (the Truncated fault).
func (x *exchange) deliver(send func(truncated bool)) {
	s := x.s
	fault := s.cfg.Faults.choose(x.hash, x.attempt, s.cfg.Seed)
	if fault == faultHang {
		x.hang()
		return
	}
	if err := s.cfg.Sleep(x.r.Context(), s.cfg.latency(x.hash)); err != nil {
		x.log(0, "", 0, 0) // the client gave up during the latency
		return
	}
	x.w.Header().Set("openai-processing-ms", strconv.FormatInt(s.cfg.latency(x.hash).Milliseconds(), 10))
	switch fault {
	case fault500:
		x.fault(fault, func() { s.writeError(x.w, limitState{}, x.reqID, errServer()) })
	case fault503:
		x.fault(fault, func() { s.writeError(x.w, limitState{}, x.reqID, errOverloaded()) })
	case fault502HTML:
		x.fault(fault, func() {
			x.w.Header().Set("Content-Type", "text/html")
			x.w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(x.w, badGatewayHTML)
		})
	case faultReset:
		x.fault(fault, func() { abort(x.w) })
	default:
		send(fault == faultTruncated)
	}
}

// writeOK sends the 200 JSON body b, or its first half when truncated,
// and counts and logs it with its usage.
func (x *exchange) writeOK(b []byte, truncated bool, prompt, completion int64) {
	h := x.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("x-request-id", x.reqID)
	if truncated {
		x.fault(faultTruncated, func() {
			half := b[:len(b)/2]
			h.Set("Content-Length", strconv.Itoa(len(half)))
			x.w.WriteHeader(http.StatusOK)
			_, _ = x.w.Write(half)
		})
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	x.w.WriteHeader(http.StatusOK)
	_, _ = x.w.Write(b)
	x.count(func(st *Stats) {
		st.OK++
		st.PromptTokens += prompt
		st.CompletionTokens += completion
	})
	x.log(http.StatusOK, "", prompt, completion)
}
