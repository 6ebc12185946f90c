package request

import (
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/readers"
)

func rec(kv ...string) readers.Record {
	var r readers.Record
	for i := 0; i+1 < len(kv); i += 2 {
		r.Fields = append(r.Fields, readers.Field{Name: kv[i], Value: kv[i+1]})
	}
	return r
}

func TestPromptRender(t *testing.T) {
	tests := []struct {
		name, tmpl, column string
		rec                readers.Record
		want, wantErr      string
	}{
		{"template", "Summarise: {{.review}}", "", rec("review", "Good, \"very\"\ngood 🚀"), "Summarise: Good, \"very\"\ngood 🚀", ""},
		{"index for odd names", `{{index . "first name"}}!`, "", rec("first name", "Ann"), "Ann!", ""},
		{"missing column is an error", "{{.nope}}", "", rec("review", "x"), "", `column "nope" is missing`},
		{"prompt column", "", "text", rec("text", "as is {{.x}}"), "as is {{.x}}", ""},
		{"missing prompt column", "", "text", rec("other", "x"), "", `prompt column "text" is missing`},
		{"null renders empty", "[{{.a}}]", "", readers.Record{Fields: []readers.Field{{Name: "a", Null: true}}}, "[]", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewPrompt(tc.tmpl, tc.column)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Render(tc.rec)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Render = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestNewPromptErrors(t *testing.T) {
	if _, err := NewPrompt("", ""); err == nil {
		t.Fatal("no prompt must be an error")
	}
	if _, err := NewPrompt("x", "y"); err == nil {
		t.Fatal("both must be an error")
	}
	if _, err := NewPrompt("{{.x", ""); err == nil || !strings.Contains(err.Error(), "template") {
		t.Fatalf("bad template: %v", err)
	}
}
