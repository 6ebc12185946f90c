package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/internal/simulator"
	"github.com/batchprompt/batchprompt/readers"
)

// reviewSchema has every kind the acceptance test names: string,
// integer, number, boolean, enum, nullable, array of strings and a nested
// object.
const reviewSchema = `{"type":"object","additionalProperties":false,
 "required":["product","score","rating","verified","sentiment","note","tags","author"],
 "properties":{"product":{"type":"string"},"score":{"type":"integer","minimum":1,"maximum":5},
  "rating":{"type":"number"},"verified":{"type":"boolean"},
  "sentiment":{"type":"string","enum":["positive","neutral","negative"]},"note":{"type":["string","null"]},
  "tags":{"type":"array","items":{"type":"string"}},
  "author":{"type":"object","additionalProperties":false,"required":["name","age"],
   "properties":{"name":{"type":"string"},"age":{"type":"integer"}}}}}`

var reviewProps = []string{"product", "score", "rating", "verified", "sentiment", "note", "tags", "author"}

// structuredJob is a job over n reviews with reviewSchema, written to
// Parquet and JSONL.
func structuredJob(t *testing.T, e *memEnv, n int) Job {
	t.Helper()
	var in strings.Builder
	in.WriteString("id,text\n")
	for i := range n {
		fmt.Fprintf(&in, "r%03d,review number %d: the kettle is fine\n", i, i)
	}
	path := filepath.Join(e.dir, "reviews.csv")
	if err := os.WriteFile(path, []byte(in.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return Job{
		Input: path, Template: "Review: {{.text}}", Model: "gpt-4o-mini", IDColumn: "id",
		Outputs:    []string{filepath.Join(e.dir, "out.parquet"), filepath.Join(e.dir, "out.jsonl")},
		State:      filepath.Join(e.dir, "state.db"),
		JSONSchema: []byte(reviewSchema), SchemaName: "review",
	}
}

// predicted returns, by id, the simulator's request hash of each row and
// its answer (simulator.SchemaAnswer), rendering the rows as run does.
func predicted(t *testing.T, job Job, n int) (hashes map[string]string, answers map[string]map[string]any) {
	t.Helper()
	r, err := request.New(job.requestConfig(false, nil))
	if err != nil {
		t.Fatal(err)
	}
	hashes, answers = map[string]string{}, map[string]map[string]any{}
	for i := range n {
		id := fmt.Sprintf("r%03d", i)
		rec := readers.Record{Fields: []readers.Field{{Name: "id", Value: id}, {Name: "text", Value: fmt.Sprintf("review number %d: the kettle is fine", i)}}}
		p := r.Render(rec, int64(i))
		h, err := simulator.RequestHash(p.Body)
		if err != nil {
			t.Fatal(err)
		}
		a, err := simulator.SchemaAnswer([]byte(reviewSchema), h, 0)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(a, &m); err != nil {
			t.Fatal(err)
		}
		hashes[id], answers[id] = h, m
	}
	return hashes, answers
}

// sameJSON compares two values as JSON (numbers as float64, keys sorted).
func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	var u, v any
	_ = json.Unmarshal(x, &u)
	_ = json.Unmarshal(y, &v)
	x, _ = json.Marshal(u)
	y, _ = json.Marshal(v)
	return bytes.Equal(x, y)
}

// TestStructuredOutputTypedColumns is the acceptance test: the
// schema's properties come out as typed Parquet columns and native JSONL
// values, equal to the answers the simulator is known to give.
func TestStructuredOutputTypedColumns(t *testing.T) {
	const n = 40
	var parquetPath string
	var want map[string]map[string]any
	inBubble(t, simulator.Config{Seed: 3}, func(t *testing.T, e *memEnv) {
		job := structuredJob(t, e, n)
		s, err := Run(context.Background(), job, e.opts())
		if err != nil || s.Stop != Completed || s.OK != n {
			t.Fatalf("err %v stop %v ok %d kinds %+v", err, s.Stop, s.OK, s.ErrorKinds)
		}
		_, wanted := predicted(t, job, n)
		want = wanted

		rows := readJSONL(t, job.Outputs[1])
		if len(rows) != n {
			t.Fatalf("%d JSONL rows", len(rows))
		}
		for _, row := range rows {
			id := row["id"].(string)
			for _, p := range reviewProps {
				if !sameJSON(row[p], want[id][p]) {
					t.Errorf("JSONL %s.%s = %v, want %v", id, p, row[p], want[id][p])
				}
			}
			var raw map[string]any
			if json.Unmarshal([]byte(row["output"].(string)), &raw) != nil || !sameJSON(raw, want[id]) {
				t.Errorf("JSONL %s: the raw answer must stay in output: %v", id, row["output"])
			}
		}

		// export derives the same columns from the state database alone.
		exported := filepath.Join(e.dir, "export.jsonl")
		if _, err := Export(context.Background(), ExportSpec{State: job.State, Outputs: []string{exported}}); err != nil {
			t.Fatal(err)
		}
		a, _ := os.ReadFile(job.Outputs[1])
		b, _ := os.ReadFile(exported)
		if !bytes.Equal(a, b) {
			t.Errorf("export differs from run's output:\n%.300s\n%.300s", b, a)
		}
		parquetPath = job.Outputs[0]
	})
	// Parquet is read outside the bubble: parquet-go pools its zstd
	// decoders process-wide, and one made in a bubble must stay there.
	checkStructuredParquet(t, parquetPath, want, n)
}

// checkStructuredParquet checks the Parquet output's column types and
// values against the simulator's predicted answers.
func checkStructuredParquet(t *testing.T, path string, want map[string]map[string]any, n int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	var order []string
	for _, fld := range f.Schema().Fields() {
		types[fld.Name()] = typeName(fld)
		order = append(order, fld.Name())
	}
	wantTypes := map[string]string{
		"product": "STRING", "score": "INT(64,true)", "rating": "DOUBLE", "verified": "BOOLEAN",
		"sentiment": "STRING", "note": "STRING", "tags": "LIST<STRING>", "author": "STRUCT<name STRING, age INT(64,true)>",
	}
	for name, w := range wantTypes {
		if types[name] != w {
			t.Errorf("Parquet column %s is %s, want %s", name, types[name], w)
		}
	}
	if strings.Join(order[:10], ",") != "id,output,product,score,rating,verified,sentiment,note,tags,author" {
		t.Errorf("columns %v: the properties follow output in schema order", order)
	}
	pr := parquet.NewReader(f)
	nulls := 0
	for range n {
		got := map[string]any{}
		if err := pr.Read(&got); err != nil {
			t.Fatal(err)
		}
		id := got["id"].(string)
		for _, p := range reviewProps {
			if !sameJSON(got[p], want[id][p]) {
				t.Errorf("Parquet %s.%s = %v, want %v", id, p, got[p], want[id][p])
			}
		}
		if got["note"] == nil {
			nulls++
		}
	}
	if nulls == 0 || nulls == n {
		t.Errorf("%d of %d notes are NULL: the test should see both a NULL and a value", nulls, n)
	}

}

// typeName names a Parquet field's type as the test states it.
func typeName(f parquet.Field) string {
	if lt := f.Type().LogicalType(); lt != nil && lt.Value != nil {
		if _, ok := lt.Value.(*format.ListType); ok {
			return "LIST<" + typeName(f.Fields()[0].Fields()[0]) + ">"
		}
		return lt.String()
	}
	if !f.Leaf() {
		var parts []string
		for _, sub := range f.Fields() {
			parts = append(parts, sub.Name()+" "+typeName(sub))
		}
		return "STRUCT<" + strings.Join(parts, ", ") + ">"
	}
	return strings.ToUpper(f.Type().Kind().String())
}

// TestStructuredOutputFaults: each kind of broken answer is retried, paid
// for, and ends as an OK row or an error row naming the fault; no row is
// lost. The simulator's SchemaFaults.Kind predicts each try's fault.
func TestStructuredOutputFaults(t *testing.T) {
	faults := simulator.SchemaFaults{InvalidJSON: 0.15, Violation: 0.15, Refusal: 0.15, CutOff: 0.15}
	const seed = 11
	inBubble(t, simulator.Config{Seed: seed, Schema: faults}, func(t *testing.T, e *memEnv) {
		const n = 120
		job := structuredJob(t, e, n)
		job.Outputs = job.Outputs[1:]
		s, err := Run(context.Background(), job, e.opts())
		if err != nil || s.Stop != Completed {
			t.Fatalf("err %v stop %v", err, s.Stop)
		}
		hashes, want := predicted(t, job, n)
		rows := readJSONL(t, job.Outputs[0])
		if len(rows) != n {
			t.Fatalf("%d rows, want %d: none may be lost", len(rows), n)
		}
		message := map[string]string{
			simulator.SchemaFaultInvalidJSON: "answer is not valid JSON",
			simulator.SchemaFaultViolation:   "answer does not match the schema: $.sim_unexpected: unexpected property",
			simulator.SchemaFaultRefusal:     "refused: " + simulator.RefusalText,
			simulator.SchemaFaultCutOff:      "cut off at max_tokens: raise --max-tokens",
		}
		seen := map[string]int{}
		for _, row := range rows {
			id := row["id"].(string)
			first := faults.Kind(hashes[id], 1, seed, 0)
			second := faults.Kind(hashes[id], 2, seed, 0)
			attempts := row["attempts"].(float64)
			switch {
			case first == "":
				if row["error"] != nil || attempts != 1 || !sameJSON(row["score"], want[id]["score"]) {
					t.Errorf("%s: a good first answer: %v", id, row)
				}
			case second == "":
				seen["retried "+first]++
				if row["error"] != nil || attempts != 2 || !sameJSON(row["tags"], want[id]["tags"]) {
					t.Errorf("%s: %s, then a good answer: %v", id, first, row)
				}
			default:
				seen["failed "+second]++
				msg, _ := row["error"].(string)
				if attempts != 2 || !strings.Contains(msg, message[second]) || row["product"] != nil {
					t.Errorf("%s: %s twice, want an error row naming %q: %v", id, second, message[second], row)
				}
			}
		}
		for _, k := range []string{simulator.SchemaFaultInvalidJSON, simulator.SchemaFaultViolation, simulator.SchemaFaultRefusal, simulator.SchemaFaultCutOff} {
			if seen["retried "+k] == 0 {
				t.Errorf("no row was retried after %s: %v", k, seen)
			}
		}
		if s.Failed == 0 {
			t.Errorf("no row failed twice: %v", seen)
		}
		// Every try was paid: the rows' attempts and tokens add up to what
		// the simulator answered, and the cost to the summary's.
		var attempts, completion, cost float64
		for _, row := range rows {
			attempts += row["attempts"].(float64)
			completion += row["completion_tokens"].(float64)
			cost += row["cost_usd"].(float64)
		}
		st := e.sim.Stats()
		if int64(attempts) != st.OK || int64(completion) != st.CompletionTokens || s.Requests != st.OK {
			t.Errorf("rows: %v attempts, %v completion tokens; the simulator answered %d requests, %d tokens; the run sent %d",
				attempts, completion, st.OK, st.CompletionTokens, s.Requests)
		}
		if d := cost - s.CostUSD; d > 1e-9 || d < -1e-9 {
			t.Errorf("rows cost %v, the summary says %v", cost, s.CostUSD)
		}
		t.Logf("%v", seen)
	})
}

// Through the Batch API a broken answer is not retried (that would be
// another batch): it is an error row naming the fault, and no row is lost.
func TestStructuredOutputBatchAPI(t *testing.T) {
	cfg := simulator.Config{Seed: 5, Schema: simulator.SchemaFaults{Refusal: 0.3},
		Batch: simulator.BatchConfig{}.WithLifecycle(20 * time.Second)}
	inBubble(t, cfg, func(t *testing.T, e *memEnv) {
		const n = 60
		job := structuredJob(t, e, n)
		job.Outputs = job.Outputs[1:]
		job.BatchAPI = true
		s, err := Run(context.Background(), job, batchOpts(e))
		if err != nil || s.Stop != Completed {
			t.Fatalf("err %v stop %v", err, s.Stop)
		}
		rows := readJSONL(t, job.Outputs[0])
		if len(rows) != n || s.OK+s.Failed != n || s.Failed == 0 || s.OK == 0 {
			t.Fatalf("%d rows, %d ok, %d failed", len(rows), s.OK, s.Failed)
		}
		for _, row := range rows {
			msg, _ := row["error"].(string)
			switch {
			case msg == "" && row["sentiment"] == nil:
				t.Errorf("an OK row without its typed columns: %v", row)
			case msg != "" && (!strings.Contains(msg, "refused: "+simulator.RefusalText) || !strings.Contains(msg, "Batch API")):
				t.Errorf("error %q, want the refusal", msg)
			}
		}
	})
}

// estimate counts the response_format in every prompt.
func TestStructuredOutputEstimate(t *testing.T) {
	e := &memEnv{dir: t.TempDir()}
	job := structuredJob(t, e, 10)
	with, err := Estimate(context.Background(), job, EstimateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	job.JSONSchema = nil
	without, err := Estimate(context.Background(), job, EstimateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rf, _ := request.ResponseFormat([]byte(reviewSchema), "review", false)
	extra := with.PromptTokens.Total - without.PromptTokens.Total
	if extra < 10*int64(len(rf))/8 || extra > 10*int64(len(rf)) {
		t.Errorf("the schema (%d bytes) adds %d tokens over 10 rows", len(rf), extra)
	}
	// The report says which part is approximate, per row, so --json
	// readers can tell it too.
	if with.ApproxPromptTokensPerRow*10 != extra || without.ApproxPromptTokensPerRow != 0 {
		t.Errorf("approximate tokens per row: %d with the schema (adds %d over 10 rows), %d without",
			with.ApproxPromptTokensPerRow, extra, without.ApproxPromptTokensPerRow)
	}
}

// A job without a schema keeps its fingerprint and bodies as they were:
// its state database resumes across the upgrade.
func TestNoSchemaLeavesJobsAsTheyWere(t *testing.T) {
	e := &memEnv{dir: t.TempDir()}
	job := structuredJob(t, e, 1)
	job.JSONSchema = nil
	if _, ok := job.Fingerprint()["response_format"]; ok {
		t.Error("a job without a schema gained a fingerprint key")
	}
	if s := job.Schema(); s.Structured != nil {
		t.Errorf("a job without a schema has typed columns: %v", s.Structured)
	}
	job.JSONSchema = []byte(reviewSchema)
	if fp := job.Fingerprint()["response_format"]; !strings.Contains(fp, `"strict":true`) {
		t.Errorf("the schema is not in the fingerprint: %q", fp)
	}
}
