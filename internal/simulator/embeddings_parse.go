package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/batchprompt/batchprompt/internal/embed"
)

// maxUnknownDims bounds `dimensions` for models the simulator does not
// know, so that one request cannot ask for gigabytes of vectors.
const maxUnknownDims = 4096

// fallbackDims is the vector size for models the simulator does not know.
const fallbackDims = 1536

// embedInput is one input: a text, or a token array when ids is non-nil.
type embedInput struct {
	text string
	ids  []int64
}

// embeddingsRequest is the part of an embeddings body the simulator acts on.
type embeddingsRequest struct {
	hash   string // hex SHA-256 of the canonical body
	model  string
	inputs []embedInput
	dims   int
	base64 bool
}

// errInputInvalid is the API's answer to an empty or ill-typed input.
func errInputInvalid() *apiError {
	return invalid("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", "", "")
}

// parseEmbeddings decodes and validates an embeddings body: model, input
// (a string, strings, a token array or token arrays, at most
// embed.MaxInputsPerRequest, none empty), dimensions and encoding_format.
// Token limits need the model's encoding and are checked by the caller.
// Errors are 400 apiErrors worded like the API's.
func parseEmbeddings(body []byte) (*embeddingsRequest, *apiError) {
	fields, e := decodeFields(body)
	if e != nil {
		return nil, e
	}
	model, e := modelField(fields)
	if e != nil {
		return nil, e
	}
	req := &embeddingsRequest{model: model}
	if req.inputs, e = parseInputs(fields["input"]); e != nil {
		return nil, e
	}
	if req.dims, e = parseDims(fields, model); e != nil {
		return nil, e
	}
	switch f := fields["encoding_format"].(type) {
	case nil:
	case string:
		if f != "float" && f != "base64" {
			return nil, invalid(fmt.Sprintf("Invalid value: '%s'. Supported values are: 'float' and 'base64'.", f),
				"encoding_format", "invalid_value")
		}
		req.base64 = f == "base64"
	default:
		return nil, typeError("encoding_format", f, "a string")
	}
	canon, err := json.Marshal(fields) // map keys are sorted: a canonical form
	if err != nil {
		return nil, invalid("We could not parse the JSON body of your request.", "", "")
	}
	req.hash = hashBytes(canon)
	return req, nil
}

// decodeFields decodes a JSON object body, numbers kept as json.Number,
// or returns the API's 400 for anything else.
func decodeFields(body []byte) (map[string]any, *apiError) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var fields map[string]any
	if err := dec.Decode(&fields); err != nil || fields == nil || dec.More() {
		return nil, invalid("We could not parse the JSON body of your request. (HINT: This likely means you "+
			"aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "+
			"sent was not valid JSON.)", "", "")
	}
	return fields, nil
}

// modelField returns the required, non-empty string parameter model.
func modelField(fields map[string]any) (string, *apiError) {
	model, ok := fields["model"].(string)
	if _, present := fields["model"]; !present || (ok && model == "") {
		return "", invalid("you must provide a model parameter", "", "")
	}
	if !ok {
		return "", typeError("model", fields["model"], "a string")
	}
	return model, nil
}

// parseInputs accepts the four shapes of `input`.
func parseInputs(raw any) ([]embedInput, *apiError) {
	switch in := raw.(type) {
	case nil:
		return nil, invalid("Missing required parameter: 'input'.", "input", "missing_required_parameter")
	case string:
		if in == "" {
			return nil, errInputInvalid()
		}
		return []embedInput{{text: in}}, nil
	case []any:
		if len(in) == 0 {
			return nil, errInputInvalid()
		}
		if _, isNum := in[0].(json.Number); isNum { // one token array
			ids, ok := tokenIDs(in)
			if !ok {
				return nil, errInputInvalid()
			}
			return []embedInput{{ids: ids}}, nil
		}
		if len(in) > embed.MaxInputsPerRequest {
			return nil, invalid(fmt.Sprintf("Invalid 'input': array too long. Expected an array with maximum length %d, "+
				"but got an array with length %d instead.", embed.MaxInputsPerRequest, len(in)), "input", "array_above_max_length")
		}
		out := make([]embedInput, len(in))
		for i, item := range in {
			switch v := item.(type) {
			case string:
				out[i].text = v
			case []any:
				ids, ok := tokenIDs(v)
				out[i].ids = ids
				if !ok || len(ids) == 0 {
					return nil, errInputInvalid()
				}
			default:
				return nil, errInputInvalid()
			}
			if out[i].ids == nil && out[i].text == "" {
				return nil, errInputInvalid()
			}
		}
		return out, nil
	default:
		return nil, errInputInvalid()
	}
}

// tokenIDs converts a JSON array of token ids, reporting false unless every
// element is an integer in [0, maxIntParam].
func tokenIDs(list []any) ([]int64, bool) {
	ids := make([]int64, len(list))
	for i, v := range list {
		n, ok := v.(json.Number)
		if !ok {
			return nil, false
		}
		id, err := n.Int64()
		if err != nil || id < 0 || id > maxIntParam {
			return nil, false
		}
		ids[i] = id
	}
	return ids, true
}

// parseDims returns the vector size to answer with: `dimensions` if set
// (refused for models that do not support it, and above the model's native
// size), else the model's default.
func parseDims(fields map[string]any, model string) (int, *apiError) {
	native := embed.DefaultDimensions(model)
	limit := native
	if native == 0 {
		native, limit = fallbackDims, maxUnknownDims
	}
	d, e := intParam(fields, "dimensions", 1)
	if e != nil {
		return 0, e
	}
	if d == 0 {
		return native, nil
	}
	if !embed.SupportsDimensions(model) {
		return 0, invalid("This model does not support specifying dimensions.", "", "")
	}
	if d > int64(limit) {
		return 0, invalid(fmt.Sprintf("Invalid 'dimensions': integer above maximum value. Expected a value <= %d, "+
			"but got %d instead.", limit, d), "dimensions", "integer_above_max_value")
	}
	return int(d), nil
}
