package embed

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

// b64 encodes v as the API does for encoding_format=base64.
func b64(v ...float32) string {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// answer builds a response body from (index, embedding JSON) pairs.
func answer(items ...string) string {
	var data []string
	for i := 0; i+1 < len(items); i += 2 {
		data = append(data, fmt.Sprintf(`{"object":"embedding","index":%s,"embedding":%s}`, items[i], items[i+1]))
	}
	return `{"object":"list","data":[` + strings.Join(data, ",") +
		`],"model":"text-embedding-3-small","usage":{"prompt_tokens":7,"total_tokens":7}}`
}

func q(s string) string { b, _ := json.Marshal(s); return string(b) }

func TestDecodeResponse(t *testing.T) {
	tests := []struct {
		name string
		body string
		n    int
		dims int
		want string // fmt of the vectors
	}{
		{"base64 in order", answer("0", q(b64(1, 0)), "1", q(b64(0, -1))), 2, 2, "[[1 0] [0 -1]]"},
		{"base64 out of order maps by index", answer("1", q(b64(0.5, 0.25)), "0", q(b64(-2, 3))), 2, 0, "[[-2 3] [0.5 0.25]]"},
		{"float arrays from servers that ignore encoding_format", answer("0", "[0.6,0.8]"), 1, 2, "[[0.6 0.8]]"},
		{"single", answer("0", q(b64(0.125))), 1, 0, "[[0.125]]"},
		{"JSON-escaped base64", answer("0", `"\u0041ACAPw=="`), 1, 1, "[[1]]"},
		{"escaped slash", answer("0", `"d75\/Pw=="`), 1, 1, "[[0.999]]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, u, err := DecodeResponse([]byte(tc.body), tc.n, tc.dims)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != tc.want {
				t.Errorf("vectors %v, want %s", got, tc.want)
			}
			if u != (Usage{PromptTokens: 7, TotalTokens: 7}) {
				t.Errorf("usage %+v", u)
			}
		})
	}
}

func TestDecodeResponseMalformed(t *testing.T) {
	tests := []struct {
		name, body string
		n, dims    int
		errHas     string
	}{
		{"not JSON", `<html>502 Bad Gateway</html>`, 1, 0, "invalid character"},
		{"cut off", answer("0", q(b64(1, 2)))[:40], 1, 0, "unexpected end"},
		{"too few vectors", answer("0", q(b64(1))), 2, 0, "1 vectors for 2 inputs"},
		{"too many vectors", answer("0", q(b64(1)), "1", q(b64(1))), 1, 0, "2 vectors for 1 inputs"},
		{"no data", `{"object":"list"}`, 1, 0, "0 vectors for 1 inputs"},
		{"index missing", `{"data":[{"embedding":"AACAPw=="}]}`, 1, 0, "index missing outside 0..0"},
		{"index out of range", answer("0", q(b64(1)), "2", q(b64(1))), 2, 0, "index 2 outside 0..1"},
		{"negative index", answer("-1", q(b64(1))), 1, 0, "index -1"},
		{"duplicate index", answer("0", q(b64(1)), "0", q(b64(2))), 2, 0, "index 0 appears twice"},
		{"bad base64", answer("0", q("!!!!")), 1, 0, "bad base64"},
		{"not a multiple of 4 bytes", answer("0", q(base64.StdEncoding.EncodeToString([]byte{1, 2, 3, 4, 5, 6}))), 1, 0, "6 bytes is not a whole number of float32s"},
		{"empty vector", answer("0", q("")), 1, 0, "empty vector"},
		{"empty array", answer("0", "[]"), 1, 0, "empty vector"},
		{"null embedding", answer("0", "null"), 1, 0, "embedding is null"},
		{"number embedding", answer("0", "3"), 1, 0, "embedding is 3"},
		{"mixed lengths", answer("0", q(b64(1, 2)), "1", q(b64(1, 2, 3))), 2, 0, "3 dimensions, want 2"},
		{"wrong dims", answer("0", q(b64(1, 2))), 1, 3, "2 dimensions, want 3"},
		{"NaN", answer("0", q(b64(1, float32(math.NaN())))), 1, 0, "component 1 is NaN"},
		{"infinity", answer("0", q(b64(float32(math.Inf(1))))), 1, 0, "component 0 is +Inf"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := DecodeResponse([]byte(tc.body), tc.n, tc.dims)
			if err == nil || !errors.Is(err, ErrMalformedResponse) || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("DecodeResponse = %v, %v; want ErrMalformedResponse saying %q", got, err, tc.errHas)
			}
			if got != nil {
				t.Errorf("vectors returned with an error: %v", got)
			}
		})
	}
}

func TestRequestDecodeMapsRows(t *testing.T) {
	r := &Request{Rows: []Row{{ID: "a"}, {ID: "b"}, {ID: "c"}}}
	body := answer("2", q(b64(3)), "0", q(b64(1)), "1", q(b64(2)))
	vecs, _, err := r.Decode([]byte(body), 1)
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range r.Rows {
		if want := float32(i + 1); vecs[i][0] != want {
			t.Errorf("row %s got %v, want [%v]", row.ID, vecs[i], want)
		}
	}
}

// FuzzDecodeResponse checks that no body makes the decoder panic and that
// every accepted body yields exactly n vectors of one length, all finite.
func FuzzDecodeResponse(f *testing.F) {
	f.Add([]byte(answer("0", q(b64(1, 0)), "1", q(b64(0, 1)))), 2, 0)
	f.Add([]byte(answer("1", "[0.5]", "0", "[1]")), 2, 1)
	f.Add([]byte(answer("0", q("AAAA"))), 1, 0)
	f.Add([]byte(`{"data":[{"index":0,"embedding":"AACAPw="}]}`), 1, 0)
	f.Add([]byte(`{"data":null}`), 0, 0)
	f.Fuzz(func(t *testing.T, body []byte, n, dims int) {
		if n < 0 || n > 64 {
			return
		}
		vecs, _, err := DecodeResponse(body, n, dims)
		if err != nil {
			if !errors.Is(err, ErrMalformedResponse) || vecs != nil {
				t.Fatalf("error %v (vectors %v) does not wrap ErrMalformedResponse", err, vecs)
			}
			return
		}
		if len(vecs) != n {
			t.Fatalf("%d vectors for n=%d", len(vecs), n)
		}
		for i, v := range vecs {
			if len(v) == 0 || len(v) != len(vecs[0]) || (dims > 0 && len(v) != dims) {
				t.Fatalf("vector %d has %d dimensions (first %d, dims %d)", i, len(v), len(vecs[0]), dims)
			}
			for _, x := range v {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
					t.Fatalf("vector %d holds %v", i, x)
				}
			}
		}
	})
}
