package request

import (
	"strings"
	"testing"
)

func TestCheckColumns(t *testing.T) {
	have := []string{"id", "review", "product", "first name"}
	tests := []struct {
		name       string
		cfg        Config
		exhaustive bool
		want       []string // parts of the error; none: no error
	}{
		{"all present", Config{Template: `{{.review}} {{index . "first name"}}{{with .product}} {{.}}{{end}}`, IDColumn: "id", Keep: []string{"product"}}, true, nil},
		{"keep typo", Config{Template: "{{.review}}", Keep: []string{"prodcut"}}, true,
			[]string{`--keep "prodcut" is not a column of the input (did you mean "product"?)`, "columns are: id, review, product, first name"}},
		{"id typo", Config{Template: "{{.review}}", IDColumn: "idd"}, true, []string{`--id-column "idd" is not a column`, `"id"`}},
		{"template typo", Config{Template: "Summarise: {{.reveiw}}"}, true, []string{`the template's column "reveiw"`, `did you mean "review"?`}},
		{"index typo", Config{Template: `{{index . "firstname"}}`}, true, []string{`"firstname"`, `"first name"`}},
		{"system template", Config{Template: "{{.review}}", System: "{{.lang}}"}, true, []string{`the template's column "lang"`}},
		{"prompt column", Config{PromptColumn: "body"}, true, []string{`--prompt-column "body"`}},
		{"jsonl sample", Config{Template: "{{.nope}}"}, false, []string{`is in none of the input's first 1000 rows`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Model = "m"
			r, err := New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = r.CheckColumns(have, tc.exhaustive, 1000)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
