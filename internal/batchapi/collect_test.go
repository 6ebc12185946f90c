package batchapi

import (
	"errors"
	"fmt"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

// A batch refused for the enqueued-token limit is told apart from other
// failures, and the limit is read from the message when it is there.
func TestQueueRefusal(t *testing.T) {
	batch := func(code, msg string) openai.Batch {
		var b openai.Batch
		b.Errors = &struct {
			Object string `json:"object,omitempty"`
			Data   []struct {
				Code    string  `json:"code,omitempty"`
				Message string  `json:"message,omitempty"`
				Param   *string `json:"param,omitempty"`
				Line    *int    `json:"line,omitempty"`
			} `json:"data"`
		}{}
		b.Errors.Data = append(b.Errors.Data, struct {
			Code    string  `json:"code,omitempty"`
			Message string  `json:"message,omitempty"`
			Param   *string `json:"param,omitempty"`
			Line    *int    `json:"line,omitempty"`
		}{Code: code, Message: msg})
		return b
	}
	tests := []struct {
		b     openai.Batch
		limit int64
		ok    bool
	}{
		{batch("token_limit_exceeded", "Enqueued token limit reached for gpt-4o-mini in organization org-x. Limit: 2,000,000 enqueued tokens. Please try again once some in_progress batches have been completed."), 2_000_000, true},
		{batch("token_limit_exceeded", "Enqueued token limit reached."), 0, true},
		{batch("invalid_request", "Limit: 5 enqueued tokens"), 0, false},
		{openai.Batch{}, 0, false},
	}
	for i, tc := range tests {
		limit, ok := queueRefusal(tc.b)
		if limit != tc.limit || ok != tc.ok {
			t.Errorf("%d: queueRefusal = %d, %v; want %d, %v", i, limit, ok, tc.limit, tc.ok)
		}
	}
}

// Transient says which failed calls are worth repeating.
func TestTransient(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&openai.APIError{HTTPStatusCode: 500}, true},
		{&openai.APIError{HTTPStatusCode: 429, Code: "rate_limit_exceeded"}, true},
		{&openai.APIError{HTTPStatusCode: 429, Code: "insufficient_quota"}, false},
		{&openai.APIError{HTTPStatusCode: 401}, false},
		{&openai.RequestError{HTTPStatusCode: 502}, true},
		{fmt.Errorf("upload: %w", &StatusError{Status: 400}), false},
		{errors.New("connection reset"), true},
	}
	for _, tc := range tests {
		if got := Transient(tc.err); got != tc.want {
			t.Errorf("Transient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
