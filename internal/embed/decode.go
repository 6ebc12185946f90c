package embed

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// ErrMalformedResponse is wrapped by every error [DecodeResponse] returns:
// the body is not a usable embeddings answer (a proxy's page, a cut-off
// body, vectors missing or inconsistent). Resending the request is the
// remedy; no vector of such a body is returned.
var ErrMalformedResponse = errors.New("malformed embeddings response")

// Usage is an embeddings response's usage object.
type Usage struct {
	PromptTokens int64 `json:"prompt_tokens"`
	TotalTokens  int64 `json:"total_tokens"`
}

type responseBody struct {
	Data []struct {
		Index     *int            `json:"index"`
		Embedding json.RawMessage `json:"embedding"`
	} `json:"data"`
	Usage Usage `json:"usage"`
}

// DecodeResponse decodes a 200 answer to a request of n inputs and returns
// the vectors in input order: vectors[i] belongs to input i, whatever order
// data[] came in. Each embedding may be a base64 string (little-endian
// float32s, what [RequestBody] asks for) or, from servers that ignore
// encoding_format, an array of numbers. dims, when positive, is the length
// every vector must have (the dimensions sent, or the model's default).
//
// It fails, wrapping [ErrMalformedResponse], when the body is not JSON,
// when data[] does not hold exactly one vector for each index 0..n-1, when
// a vector is not valid base64, is not a whole number of float32s, is
// empty, holds a NaN or an infinity, or differs in length from the others
// or from dims. Cost: one pass over the body; the vectors are the only
// allocation that survives (4 bytes a dimension).
func DecodeResponse(body []byte, n, dims int) ([][]float32, Usage, error) {
	var resp responseBody
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, Usage{}, fmt.Errorf("%w: %v", ErrMalformedResponse, err)
	}
	if len(resp.Data) != n {
		return nil, Usage{}, fmt.Errorf("%w: %d vectors for %d inputs", ErrMalformedResponse, len(resp.Data), n)
	}
	out := make([][]float32, n)
	want := dims
	for i, d := range resp.Data {
		if d.Index == nil || *d.Index < 0 || *d.Index >= n {
			return nil, Usage{}, fmt.Errorf("%w: data[%d]: index %s outside 0..%d", ErrMalformedResponse, i, showIndex(d.Index), n-1)
		}
		if out[*d.Index] != nil {
			return nil, Usage{}, fmt.Errorf("%w: data[%d]: index %d appears twice", ErrMalformedResponse, i, *d.Index)
		}
		v, err := vector(d.Embedding)
		if err != nil {
			return nil, Usage{}, fmt.Errorf("%w: data[%d] (index %d): %v", ErrMalformedResponse, i, *d.Index, err)
		}
		if want > 0 && len(v) != want {
			return nil, Usage{}, fmt.Errorf("%w: data[%d] (index %d): %d dimensions, want %d", ErrMalformedResponse, i, *d.Index, len(v), want)
		}
		want = len(v)
		out[*d.Index] = v
	}
	return out, resp.Usage, nil
}

// Decode decodes the answer to r: vectors[i] belongs to r.Rows[i]. See
// [DecodeResponse].
func (r *Request) Decode(body []byte, dims int) ([][]float32, Usage, error) {
	return DecodeResponse(body, len(r.Rows), dims)
}

func showIndex(p *int) string {
	if p == nil {
		return "missing"
	}
	return fmt.Sprint(*p)
}

// vector decodes one embedding: a base64 string or an array of numbers.
func vector(raw json.RawMessage) ([]float32, error) {
	raw = bytes.TrimSpace(raw)
	var v []float32
	switch {
	case len(raw) > 0 && raw[0] == '"':
		// base64 needs no JSON escapes, so the usual string is decoded in
		// place; only one holding a backslash (an escaped "/") is unquoted
		// first. This halves the cost of a large answer.
		src := raw[1 : len(raw)-1]
		if bytes.IndexByte(src, '\\') >= 0 {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, err
			}
			src = []byte(s)
		}
		b := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
		nb, err := base64.StdEncoding.Decode(b, src)
		if err != nil {
			return nil, fmt.Errorf("bad base64: %v", err)
		}
		b = b[:nb]
		if len(b)%4 != 0 {
			return nil, fmt.Errorf("%d bytes is not a whole number of float32s", len(b))
		}
		v = make([]float32, len(b)/4)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case len(raw) > 0 && raw[0] == '[':
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("embedding is %s, not a base64 string or an array", kind(raw))
	}
	if len(v) == 0 {
		return nil, errors.New("empty vector")
	}
	for i, f := range v {
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			return nil, fmt.Errorf("component %d is %v", i, f)
		}
	}
	return v, nil
}

func kind(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "missing"
	}
	if len(raw) > 16 {
		return string(raw[:16]) + "…"
	}
	return string(raw)
}
