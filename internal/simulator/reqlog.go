package simulator

import (
	"encoding/json"
	"time"
)

// logLine is one RequestLog entry.
type logLine struct {
	T                string          `json:"t"`
	Hash             string          `json:"hash"`
	Attempt          int64           `json:"attempt"`
	Status           int             `json:"status"` // 0 when no response was sent (reset, hang)
	Fault            string          `json:"fault,omitempty"`
	Body             json.RawMessage `json:"body"`
	PromptTokens     int64           `json:"prompt_tokens"`
	CompletionTokens int64           `json:"completion_tokens"`
	TPMCharge        int64           `json:"tpm_charge"` // what the TPM charge rule took (0: refused before it was charged)
}

// logRequest writes one line to the request log, if any. A body that is not
// valid JSON is logged as a JSON string so the line stays parseable.
func (s *Server) logRequest(at time.Time, hash string, attempt int64, status int, fault faultKind, body []byte, prompt, completion, charge int64) {
	if s.cfg.RequestLog == nil {
		return
	}
	raw := json.RawMessage(body)
	if !json.Valid(body) {
		b, _ := json.Marshal(string(body)) // a string always marshals
		raw = b
	}
	line, err := json.Marshal(logLine{
		T: at.UTC().Format(time.RFC3339Nano), Hash: hash, Attempt: attempt, Status: status,
		Fault: string(fault), Body: raw, PromptTokens: prompt, CompletionTokens: completion, TPMCharge: charge,
	})
	if err != nil {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	_, _ = s.cfg.RequestLog.Write(append(line, '\n'))
}
