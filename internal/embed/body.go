package embed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// requestBody is the JSON sent to POST /v1/embeddings, fields in the order
// the API reference lists them.
type requestBody struct {
	Model          string   `json:"model"`
	Input          []string `json:"input"`
	Dimensions     int      `json:"dimensions,omitempty"`
	EncodingFormat string   `json:"encoding_format"`
}

// RequestBody returns the JSON body embedding inputs with model:
// {"model","input":[...],"dimensions"?,"encoding_format":"base64"}. Input
// is always an array, even of one, so that data[].index maps back the same
// way for every request; vectors are always asked for in base64, a quarter
// of the bytes of decimal floats. dimensions 0 leaves the model's default.
//
// It refuses what the API would refuse without needing a call: no model, no
// inputs, more than [MaxInputsPerRequest], an empty input, a negative
// dimensions, or dimensions for a model that does not support them
// ([SupportsDimensions]). Token limits are the [Packer]'s business.
// The body is compact JSON without HTML escaping and no trailing newline.
func RequestBody(model string, dimensions int, inputs []string) ([]byte, error) {
	switch {
	case model == "":
		return nil, errors.New("embed: no model")
	case len(inputs) == 0:
		return nil, errors.New("embed: no inputs")
	case len(inputs) > MaxInputsPerRequest:
		return nil, fmt.Errorf("embed: %d inputs, the API takes at most %d per request", len(inputs), MaxInputsPerRequest)
	case dimensions < 0:
		return nil, fmt.Errorf("embed: dimensions must be positive, got %d", dimensions)
	case dimensions > 0 && !SupportsDimensions(model):
		return nil, fmt.Errorf("embed: %s does not support specifying dimensions", model)
	}
	for i, in := range inputs {
		if in == "" {
			return nil, fmt.Errorf("embed: input %d: %w", i, ErrEmptyInput)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "<" stays "<": shorter, and what the user wrote
	if err := enc.Encode(requestBody{Model: model, Input: inputs, Dimensions: dimensions, EncodingFormat: "base64"}); err != nil {
		return nil, fmt.Errorf("embed: encoding request body: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Body returns the JSON body for r's rows; see [RequestBody].
func (r *Request) Body(model string, dimensions int) ([]byte, error) {
	return RequestBody(model, dimensions, r.Texts())
}
