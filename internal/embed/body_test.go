package embed

import (
	"errors"
	"strings"
	"testing"
)

func TestRequestBody(t *testing.T) {
	tests := []struct {
		name   string
		model  string
		dims   int
		inputs []string
		want   string // exact body, or "" when an error is wanted
		errHas string
	}{
		{"one input is still an array", "text-embedding-3-small", 0, []string{"hi"},
			`{"model":"text-embedding-3-small","input":["hi"],"encoding_format":"base64"}`, ""},
		{"dimensions sent when set", "text-embedding-3-large", 256, []string{"a", "b"},
			`{"model":"text-embedding-3-large","input":["a","b"],"dimensions":256,"encoding_format":"base64"}`, ""},
		{"no HTML escaping", "text-embedding-3-small", 0, []string{`<b> & "q"`},
			`{"model":"text-embedding-3-small","input":["<b> & \"q\""],"encoding_format":"base64"}`, ""},
		{"ada-002 without dimensions", "text-embedding-ada-002", 0, []string{"x"},
			`{"model":"text-embedding-ada-002","input":["x"],"encoding_format":"base64"}`, ""},
		{"ada-002 refuses dimensions", "text-embedding-ada-002", 512, []string{"x"}, "", "does not support specifying dimensions"},
		{"no model", "", 0, []string{"x"}, "", "no model"},
		{"no inputs", "text-embedding-3-small", 0, nil, "", "no inputs"},
		{"too many inputs", "text-embedding-3-small", 0, make([]string, 2049), "", "at most 2048"},
		{"empty input", "text-embedding-3-small", 0, []string{"a", ""}, "", "input 1"},
		{"negative dimensions", "text-embedding-3-small", -1, []string{"a"}, "", "positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := RequestBody(tc.model, tc.dims, tc.inputs)
			if tc.want == "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("RequestBody = %s, %v; want an error saying %q", got, err, tc.errHas)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("RequestBody =\n%s, %v\nwant\n%s", got, err, tc.want)
			}
		})
	}
	if _, err := RequestBody("m", 0, []string{""}); !errors.Is(err, ErrEmptyInput) {
		t.Errorf("empty input error %v does not wrap ErrEmptyInput", err)
	}
}

func TestRequestBodyFromPackedRows(t *testing.T) {
	r := &Request{Rows: []Row{{ID: "a", Text: "first"}, {ID: "b", Text: "second"}}}
	got, err := r.Body("text-embedding-3-small", 0)
	if err != nil || string(got) != `{"model":"text-embedding-3-small","input":["first","second"],"encoding_format":"base64"}` {
		t.Fatalf("Body = %s, %v", got, err)
	}
}
