package simulator

import (
	"encoding/json"
	"fmt"
	"time"
)

// checkChat applies the synchronous endpoint's checks that follow parsing
// (allow-list, output cap, context window) and returns the prompt tokens
// and the output cap the reply will respect. The errors are the ones
// serveChat sends, word for word.
func (s *Server) checkChat(req *chatRequest) (prompt, limit int64, e *apiError) {
	if !s.allowed(req.model) {
		return 0, 0, errModelNotFound(req.model)
	}
	modelMax, window, known := s.modelLimits(req.model)
	limit = req.maxOut
	if limit == 0 {
		limit = modelMax
	}
	if known && req.maxOut > modelMax {
		return 0, 0, invalid(fmt.Sprintf("%s is too large: %d. This model supports at most %d "+
			"completion tokens, whereas you provided %d.", req.capParam, req.maxOut, modelMax, req.maxOut), req.capParam, "invalid_value")
	}
	prompt = int64(s.counter.Chat(req.model, req.messages))
	if window > 0 && prompt > window {
		return 0, 0, invalid(fmt.Sprintf("This model's maximum context length is %d tokens. However, your "+
			"messages resulted in %d tokens. Please reduce the length of the messages.", window, prompt),
			"messages", "context_length_exceeded")
	}
	return prompt, limit, nil
}

// chatReply builds the reply to req exactly as serveChat's 200 answer to
// attempt number attempt does (same text, same usage, same structured
// output and schema faults), with completion id chatID, created at.
func (s *Server) chatReply(req *chatRequest, prompt, limit, attempt int64, chatID string, at time.Time) chatResponse {
	resp := chatResponse{
		ID: chatID, Object: "chat.completion", Created: at.Unix(), Model: req.model,
		ServiceTier: "default", SystemFingerprint: "fp_sim" + req.hash[:8],
	}
	var out, reasoning int64
	for i := range req.n {
		c := s.reply(req, i, limit, attempt)
		resp.Choices = append(resp.Choices, choice{
			Index: i, Logprobs: json.RawMessage("null"), FinishReason: c.finish, Message: c.message(),
		})
		out += int64(c.tokens)
		reasoning += int64(c.reasoning)
	}
	resp.Usage = usage{PromptTokens: prompt, CompletionTokens: out, TotalTokens: prompt + out,
		CompletionTokensDetails: outputDetails{ReasoningTokens: reasoning}}
	return resp
}
