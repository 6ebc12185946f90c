package pipeline

import (
	"context"
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// A duplicated id whose second row cannot be rendered (issue 13, item 1):
// every input row appears exactly once on every run, the second copy is an
// error row naming both lines, and the first keeps its paid answer, which
// is never paid for again.
func TestDuplicateIDWithABadSecondRow(t *testing.T) {
	tests := []struct {
		name, file, content string
		batch               bool
		wantErr             string // line 3's error
	}{
		{"jsonl", "in.jsonl", `{"id":"1","text":"first one"}` + "\n" + `{"id":"2","text":"b"}` + "\n" + `{"id":"1","other":"x"}` + "\n", false, `duplicate id "1"`},
		// A ragged CSV row is a parse error: keyed by its position, it
		// cannot take the first row's key either.
		{"csv", "in.csv", "id,text\n1,first one\n2,b\n1\n", false, "wrong number of fields"},
		{"batch", "in.jsonl",
			`{"custom_id":"1","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"first one"}]}}` + "\n" +
				`{"custom_id":"2","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"b"}]}}` + "\n" +
				`{"custom_id":"1","method":"POST","url":"/v1/embeddings","body":{"model":"text-embedding-3-small","input":"x"}}` + "\n", true, `duplicate id "1"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inBubble(t, simulator.Config{}, func(t *testing.T, e *memEnv) {
				job := e.job(writeFile(t, e.dir, tc.file, tc.content))
				job.Keep, job.Template, job.IDColumn = nil, "{{.text}}", "id"
				job.Outputs = job.Outputs[:1]
				if tc.batch {
					job.Template, job.IDColumn = "", ""
				}
				var firstAnswer string
				for run := 1; run <= 4; run++ {
					s, err := Run(context.Background(), job, e.opts())
					if err != nil {
						t.Fatal(err)
					}
					rows := readJSONL(t, job.Outputs[0])
					if len(rows) != 3 || s.OK != 2 || s.Failed != 1 {
						t.Fatalf("run %d: %d output rows, ok %d, failed %d; want 3, 2, 1", run, len(rows), s.OK, s.Failed)
					}
					answer, _ := rows[0]["output"].(string)
					if answer == "" || (firstAnswer != "" && answer != firstAnswer) {
						t.Fatalf("run %d: line 1's answer %q, want it kept (%q)", run, answer, firstAnswer)
					}
					firstAnswer = answer
					msg, _ := rows[2]["error"].(string)
					if !strings.Contains(msg, tc.wantErr) || (tc.wantErr != "wrong number of fields" && !strings.Contains(msg, "(first at ")) {
						t.Fatalf("run %d: line 3's error %q, want %q naming both lines", run, msg, tc.wantErr)
					}
				}
				if n := e.sim.Stats().Requests; n != 2 {
					t.Fatalf("%d requests over four runs, want 2 (each sendable row paid once)", n)
				}
			})
		})
	}
}
