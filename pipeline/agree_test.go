package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/simulator"
)

// rowsView is what one command says about a job's rows.
type rowsView struct {
	rows     int64
	errorsAt []string         // positions of the rows that cannot be sent, sorted
	tokens   int64            // prompt tokens of the rows sent
	requests map[string]int64 // rows sent, per model
}

// TestValidateEstimateAndRunAgree: validate (Preview), estimate and run
// render through one renderer, so over the same inputs they agree on the
// row count, the rows that fail (same file:line), the prompt tokens and the
// models (issue 11). Run's figures come from what the simulator billed.
func TestValidateEstimateAndRunAgree(t *testing.T) {
	root, _ := filepath.Abs("..")
	tests := []struct {
		name  string
		input func(dir string) string
		job   func(j *Job)
	}{
		{"templated CSV with bad lines", func(dir string) string {
			return writeFile(t, dir, "in.csv", "id,text,extra\n1,hello,a\n2,too,many,fields\n3,world,b\n,no id,c\n5,fine,e\n")
		}, func(j *Job) { j.Keep = nil }},
		{"templated JSONL with a missing column", func(dir string) string {
			return writeFile(t, dir, "in.jsonl", `{"id":"a","text":"one"}`+"\n"+`{"id":"b"}`+"\n"+`{"id":"c","text":"東京 🚀"}`+"\nnot json\n"+`{"id":"e","text":"last"}`+"\n")
		}, func(j *Job) { j.Keep = nil; j.System = "Answer in {{.id}} words." }},
		{"templated Parquet", func(string) string {
			return filepath.Join(root, "examples", "classify", "tickets.parquet")
		}, func(j *Job) {
			j.IDColumn, j.Keep, j.Template = "ticket_id", nil, "Subject: {{.subject}}\n{{.body}}"
		}},
		{"Batch API lines, two models, bad lines", func(dir string) string {
			in, _ := writeBatchInput(t, dir, 40,
				`{"custom_id":"emb","method":"POST","url":"/v1/embeddings","body":{}}`,
				`{"custom_id":"bad","method":"POST","url":"/v1/chat/completions","body":"nope"}`)
			return in
		}, func(j *Job) { j.Template, j.IDColumn, j.Keep = "", "", nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inBubble(t, simulator.Config{}, func(t *testing.T, e *memEnv) {
				job := e.job(tc.input(e.dir))
				tc.job(&job)
				ctx := context.Background()

				previews, err := Preview(ctx, job, nil, -1)
				if err != nil {
					t.Fatal(err)
				}
				validate := rowsView{rows: int64(len(previews)), requests: map[string]int64{}}
				for _, p := range previews {
					if p.Problem != "" {
						validate.errorsAt = append(validate.errorsAt, p.Position)
						continue
					}
					validate.tokens += p.Tokens
					validate.requests[p.Model]++
				}

				reps, err := EstimateAll(ctx, job, EstimateOptions{MaxExamples: 1000})
				if err != nil {
					t.Fatal(err)
				}
				estimate := rowsView{requests: map[string]int64{}}
				for _, r := range reps {
					estimate.rows += r.Rows
					estimate.tokens += r.PromptTokens.Billed
					if r.Requests > 0 {
						estimate.requests[r.Model] = r.Requests
					}
					for _, p := range r.Problems {
						estimate.errorsAt = append(estimate.errorsAt, p.Position)
					}
				}

				s, err := Run(ctx, job, e.opts())
				if err != nil {
					t.Fatal(err)
				}
				run := rowsView{rows: s.Rows, requests: map[string]int64{}}
				db, err := checkpoint.Open(ctx, job.State)
				if err != nil {
					t.Fatal(err)
				}
				err = db.Rows(ctx, func(row checkpoint.Row) error {
					if row.Status == checkpoint.StatusOK {
						run.tokens += row.PromptTokens
						run.requests[row.Model]++
					} else {
						run.errorsAt = append(run.errorsAt, row.Position)
					}
					return nil
				})
				db.Close()
				if err != nil {
					t.Fatal(err)
				}
				if run.rows == 0 || len(validate.requests) == 0 {
					t.Fatalf("nothing to compare: %+v", run)
				}
				for _, v := range []*rowsView{&validate, &estimate, &run} {
					sort.Strings(v.errorsAt)
				}
				want := fmt.Sprintf("%+v", validate)
				for name, got := range map[string]rowsView{"estimate": estimate, "run": run} {
					if g := fmt.Sprintf("%+v", got); g != want {
						t.Errorf("%s disagrees with validate:\n%s: %s\nvalidate: %s", name, name, g, want)
					}
				}
				if strings.HasPrefix(tc.name, "templated CSV") && len(run.errorsAt) != 2 {
					t.Errorf("error rows at %v, want the ragged row and the empty id", run.errorsAt)
				}
			})
		})
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
