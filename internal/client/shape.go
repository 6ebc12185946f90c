package client

import (
	"bytes"
	"encoding/json"
	"errors"
)

// shape is the part of a chat completion that decoding into the SDK's
// structs cannot tell apart from zero values: a null message decodes as
// an empty answer and a missing usage as zero tokens.
type shape struct {
	Choices []struct {
		Message json.RawMessage `json:"message"`
	} `json:"choices"`
	Usage json.RawMessage `json:"usage"`
}

// checkShape refuses an answer whose first choice has no message (null or
// absent): recording it would pass off an empty answer as the model's. It
// reports noUsage for an answer without usage, whose cost is unknown.
// Cost: a second decode of the body's top level.
func checkShape(data []byte) (noUsage bool, err error) {
	var s shape
	if err := json.Unmarshal(data, &s); err != nil {
		return false, err
	}
	if len(s.Choices) == 0 || isNull(s.Choices[0].Message) {
		return false, errors.New("the answer's message is null")
	}
	return isNull(s.Usage), nil
}

func isNull(m json.RawMessage) bool {
	m = bytes.TrimSpace(m)
	return len(m) == 0 || bytes.Equal(m, []byte("null"))
}
