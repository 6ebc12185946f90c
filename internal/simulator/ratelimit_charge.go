package simulator

import (
	"github.com/batchprompt/batchprompt/budget"
)

// The values of [Config.TPMCharge].
const (
	// TPMChargeChars charges a request OpenAI's character-based estimate:
	// ceil(bytes of the message contents / 4) + 4 per message + the output
	// cap × n. It is the default, so a client that paces with its own
	// tiktoken count meets a server that counts differently, as it does on
	// the real API.
	TPMChargeChars = "chars"
	// TPMChargeTiktoken charges the exact tiktoken prompt count + the output
	// cap × n, the same function (budget.TPMCharge) the client uses.
	TPMChargeTiktoken = "tiktoken"
)

// charsPerToken and perMessageCharge are the constants of the character
// estimate: about four bytes of English per token, and a few tokens of
// chat formatting per message.
const (
	charsPerToken    = 4
	perMessageCharge = 4
)

// newLimiter builds the RPM and TPM buckets for cfg, with its foreign load.
func newLimiter(cfg Config) *limiter {
	l := &limiter{req: newBucket(cfg.RPM, cfg.BucketSeconds), tok: newBucket(cfg.TPM, cfg.BucketSeconds)}
	l.setForeign(cfg.ForeignRPM, cfg.ForeignTPM)
	return l
}

// tpmCharge is what req costs the TPM bucket: the estimate chosen by
// [Config.TPMCharge] for the prompt, whose exact tiktoken count is prompt,
// plus the output cap limit for each of the n choices.
func (s *Server) tpmCharge(req *chatRequest, prompt, limit int64) int64 {
	out := limit * int64(req.n)
	if s.cfg.TPMCharge == TPMChargeTiktoken {
		return budget.TPMCharge(prompt, out)
	}
	return charEstimate(req.messages) + out
}

// charEstimate is OpenAI's character-based prompt estimate: the message
// contents' bytes over four, rounded up, plus a fixed charge per message.
// It runs high on English (about 4.5 bytes a token) and low on CJK text
// (3 bytes a character, often one token each).
func charEstimate(msgs []budget.Message) int64 {
	var n int64
	for _, m := range msgs {
		n += int64(len(m.Content))
	}
	return (n+charsPerToken-1)/charsPerToken + perMessageCharge*int64(len(msgs))
}

// SetForeignLoad changes the load another user of the key puts on the
// buckets (see [Config.ForeignRPM]) from now on, e.g. 0, 0 to stop it and
// measure how fast a client takes the freed share back. Time already
// elapsed is accounted at the previous load first. It takes the limiter's
// mutex and is safe to call while requests are served.
func (s *Server) SetForeignLoad(rpm, tpm int64) {
	now := s.cfg.Now()
	s.lim.mu.Lock()
	defer s.lim.mu.Unlock()
	s.lim.refillLocked(now)
	s.lim.setForeign(rpm, tpm)
}

// setForeign sets the foreign per-minute loads; negative values count as 0.
func (l *limiter) setForeign(rpm, tpm int64) {
	if l.req != nil {
		l.req.foreign = float64(max(rpm, 0))
	}
	if l.tok != nil {
		l.tok.foreign = float64(max(tpm, 0))
	}
}
