package pipeline

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/simulator"
)

// writeLines writes lines as a file called name in a temp dir.
func writeLines(t *testing.T, name string, lines []string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func jsonLine(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestEstimateMatchesSimulatorUsage runs the same job through Estimate and
// through Run against the simulator, and checks that the estimate's prompt
// tokens are the sum of the usage.prompt_tokens the server reported, and
// that the rows Run failed are the rows Estimate counted as failed.
func TestEstimateMatchesSimulatorUsage(t *testing.T) {
	var lines []string
	for i := range 300 {
		switch {
		case i%37 == 5:
			lines = append(lines, `{"id": "x`+strconv.Itoa(i)) // parse error
		case i%41 == 7:
			lines = append(lines, jsonLine(t, map[string]any{"id": fmt.Sprintf("r%d", i)})) // no text: render error
		default:
			lines = append(lines, jsonLine(t, map[string]any{"id": fmt.Sprintf("r%d", i), "text": messy(i) + strings.Repeat(" more", i%13)}))
		}
	}
	in := writeLines(t, "in.jsonl", lines)
	for _, model := range []string{"gpt-4o-mini", "gpt-3.5-turbo"} {
		t.Run(model, func(t *testing.T) {
			env := newEnv(t, simulator.Config{})
			job := env.job(in)
			job.Keep = nil
			job.Model = model
			job.Template = "Summarise {{.id}}: {{.text}}"
			job.System = "You are terse. Answer in one line."
			est, err := Estimate(context.Background(), job, EstimateOptions{Workers: 3})
			if err != nil {
				t.Fatal(err)
			}
			s, err := Run(context.Background(), job, env.opts())
			if err != nil {
				t.Fatal(err)
			}
			var sum, sent, failed int64
			for _, row := range readJSONL(t, job.Outputs[0]) {
				if pt, ok := row["prompt_tokens"].(float64); ok && row["error"] == nil {
					sum += int64(pt)
					sent++
				} else {
					failed++
				}
			}
			if est.PromptTokens.Billed != sum || est.PromptTokens.Total != sum {
				t.Errorf("estimate prompt tokens billed %d total %d, simulator usage sum %d", est.PromptTokens.Billed, est.PromptTokens.Total, sum)
			}
			if est.Rows != 300 || est.Requests != sent || est.Failed != failed {
				t.Errorf("rows %d requests %d failed %d; run: sent %d failed %d (summary %+v)", est.Rows, est.Requests, est.Failed, sent, failed, s)
			}
		})
	}
}

// TestEstimateGoldens checks the totals against token counts computed by
// OpenAI's own tiktoken (budget/testdata/token-goldens.tsv).
func TestEstimateGoldens(t *testing.T) {
	f, err := os.Open("../budget/testdata/token-goldens.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	var userOnly, withSystem int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if strings.HasPrefix(cols[0], "#") || cols[0] == "text_json" || len(cols) != 5 {
			continue
		}
		var text string
		if err := json.Unmarshal([]byte(cols[0]), &text); err != nil {
			t.Fatalf("golden %s: %v", cols[0], err)
		}
		a, _ := strconv.ParseInt(cols[3], 10, 64)
		b, _ := strconv.ParseInt(cols[4], 10, 64)
		userOnly += a
		withSystem += b
		lines = append(lines, jsonLine(t, map[string]string{"text": text}))
	}
	if len(lines) < 10 {
		t.Fatalf("only %d goldens read", len(lines))
	}
	in := writeLines(t, "goldens.jsonl", lines)
	for _, tc := range []struct {
		system string
		want   int64
	}{{"", userOnly}, {"You are a helpful assistant.", withSystem}} {
		job := Job{Input: in, PromptColumn: "text", System: tc.system, Model: "gpt-4o"}
		est, err := Estimate(context.Background(), job, EstimateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if est.PromptTokens.Total != tc.want || est.Rows != int64(len(lines)) {
			t.Errorf("system %q: total %d over %d rows, goldens say %d over %d", tc.system, est.PromptTokens.Total, est.Rows, tc.want, len(lines))
		}
	}
}

// TestEstimateProblems checks counts, kinds and positions of rows that
// cannot be sent, and that the examples are the first ones in input order
// whatever order the workers finish in.
func TestEstimateProblems(t *testing.T) {
	var lines []string
	var wantParse, wantRender, wantID int64
	var wantFirst []string
	for i := range 2000 {
		line := jsonLine(t, map[string]string{"id": "i" + strconv.Itoa(i), "text": "hello " + strconv.Itoa(i)})
		kind := ""
		switch {
		case i%97 == 3:
			line, kind = "[1, 2]", "parse"
			wantParse++
		case i%89 == 4:
			line, kind = jsonLine(t, map[string]string{"id": "i" + strconv.Itoa(i)}), "render"
			wantRender++
		case i%83 == 5:
			line, kind = jsonLine(t, map[string]string{"id": "", "text": "x"}), "id"
			wantID++
		}
		if kind != "" && len(wantFirst) < 5 {
			// Blank lines take no row number but do take a line: +2 below.
			wantFirst = append(wantFirst, fmt.Sprintf("%d %s :%d", i, kind, i+2))
		}
		lines = append(lines, line)
	}
	in := writeLines(t, "p.jsonl", append([]string{""}, lines...))
	job := Job{Input: in, Template: "Say {{.text}}", IDColumn: "id", Model: "gpt-4o-mini"}
	est, err := Estimate(context.Background(), job, EstimateOptions{Workers: 8, MaxExamples: 5})
	if err != nil {
		t.Fatal(err)
	}
	if est.ParseErrors != wantParse || est.RenderErrors != wantRender || est.IDErrors != wantID ||
		est.Failed != wantParse+wantRender+wantID || est.Requests != 2000-est.Failed {
		t.Errorf("parse %d render %d id %d failed %d requests %d; want %d %d %d", est.ParseErrors, est.RenderErrors, est.IDErrors, est.Failed, est.Requests, wantParse, wantRender, wantID)
	}
	var got []string
	for _, p := range est.Problems {
		got = append(got, fmt.Sprintf("%d %s :%s", p.Row, p.Kind, p.Position[strings.LastIndex(p.Position, ":")+1:]))
		if p.Error == "" {
			t.Errorf("row %d: empty error", p.Row)
		}
	}
	if strings.Join(got, "|") != strings.Join(wantFirst, "|") {
		t.Errorf("examples\n got %v\nwant %v", got, wantFirst)
	}
}

// TestEstimateLimits checks the over-input, over-TPM and tight rules and
// Job.Limit, with a tiny model from a price override file.
func TestEstimateLimits(t *testing.T) {
	pf := filepath.Join(t.TempDir(), "prices.json")
	if err := os.WriteFile(pf, []byte(`{"tiny": {"input": 1, "output": 2, "context_window": 60, "max_output": 20}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	prices, err := budget.DefaultPrices().WithOverrides(pf)
	if err != nil {
		t.Fatal(err)
	}
	// "a" repeated: each " a" is one token; the chat overhead is 7.
	var lines []string
	for _, n := range []int{1, 30, 45, 51, 52, 80, 10} {
		lines = append(lines, jsonLine(t, map[string]string{"t": strings.TrimSpace(strings.Repeat(" a", n))}))
	}
	in := writeLines(t, "l.jsonl", lines)
	c := budget.NewCounter()
	tokens := func(n int) int64 {
		return int64(c.Chat("tiny", []budget.Message{{Role: "user", Content: strings.TrimSpace(strings.Repeat(" a", n))}}))
	}
	if tokens(52) != 59 || tokens(45) != 52 {
		t.Fatalf("token assumptions wrong: %d %d", tokens(52), tokens(45))
	}
	tests := []struct {
		name                                  string
		limit                                 int64
		tpm                                   float64
		maxTokens                             int64
		rows, overInput, overTPM, tight, reqs int64
	}{
		// window 60, output cap 20: 45→52 (52+20>60: tight), 51→58 tight, 52→59 tight, 80→87 over.
		{name: "window", rows: 7, overInput: 1, tight: 3, reqs: 6},
		// --max-tokens 5: only 51→58 (58+5) and 52→59 (59+5) are tight.
		{name: "max tokens", maxTokens: 5, rows: 7, overInput: 1, tight: 2, reqs: 6},
		// TPM 70: charge = prompt + 20; 52+20, 58+20, 59+20 over; 87 is over input first.
		{name: "tpm", tpm: 70, rows: 7, overInput: 1, overTPM: 3, reqs: 3},
		{name: "limit", limit: 2, rows: 2, reqs: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			job := Job{Input: in, PromptColumn: "t", Model: "tiny", Limit: tc.limit}
			if tc.maxTokens > 0 {
				job.Params.MaxTokens = &tc.maxTokens
			}
			est, err := Estimate(context.Background(), job, EstimateOptions{Prices: prices, Limits: Limits{TPM: tc.tpm}})
			if err != nil {
				t.Fatal(err)
			}
			if est.Rows != tc.rows || est.OverInput != tc.overInput || est.OverTPM != tc.overTPM || est.Tight != tc.tight || est.Requests != tc.reqs {
				t.Errorf("rows %d over_input %d over_tpm %d tight %d requests %d; want %d %d %d %d %d",
					est.Rows, est.OverInput, est.OverTPM, est.Tight, est.Requests, tc.rows, tc.overInput, tc.overTPM, tc.tight, tc.reqs)
			}
			if int64(len(est.Problems)) != est.OverInput+est.OverTPM {
				t.Errorf("%d problems listed, want %d", len(est.Problems), est.OverInput+est.OverTPM)
			}
		})
	}
}

// A model the price table lacks is estimated all the same, with an
// unknown cost (issue 13, item 19): local model servers have no price.
func TestEstimateUnpricedModel(t *testing.T) {
	in := writeLines(t, "in.jsonl", []string{`{"t": "hello there"}`, `{"t": "x"}`})
	rep, err := Estimate(context.Background(), Job{Input: in, PromptColumn: "t", Model: "my-local-llama"}, EstimateOptions{Limits: Limits{RPM: 60}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Priced || rep.Cost != nil || rep.Rows != 2 || rep.Requests != 2 || rep.PromptTokens.Total == 0 || !rep.Duration.Known {
		t.Fatalf("priced %v cost %v rows %d requests %d tokens %d duration %+v", rep.Priced, rep.Cost, rep.Rows, rep.Requests, rep.PromptTokens.Total, rep.Duration)
	}
	b, _ := json.Marshal(rep)
	if !strings.Contains(string(b), `"cost_usd":null`) {
		t.Errorf("JSON %s: the cost must read as unknown (null), not 0", b)
	}
}

func TestEstimateRefuses(t *testing.T) {
	in := writeLines(t, "in.jsonl", []string{`{"t": "x"}`})
	tests := []struct {
		name     string
		job      Job
		unpriced bool
	}{
		{name: "no input", job: Job{PromptColumn: "t", Model: "gpt-4o"}},
		{name: "no prompt", job: Job{Input: in, Model: "gpt-4o"}},
		{name: "bad template", job: Job{Input: in, Template: "{{.t", Model: "gpt-4o"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Estimate(context.Background(), tc.job, EstimateOptions{})
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err %v, want a ConfigError", err)
			}
			if errors.Is(err, ErrUnpriced) != tc.unpriced {
				t.Errorf("err %v: ErrUnpriced %v, want %v", err, !tc.unpriced, tc.unpriced)
			}
			if tc.unpriced && !strings.Contains(err.Error(), "--prices") {
				t.Errorf("err %v does not say how to add a price", err)
			}
		})
	}
}

func TestEstimateCancelled(t *testing.T) {
	var lines []string
	for i := range 5000 {
		lines = append(lines, jsonLine(t, map[string]string{"t": messy(i)}))
	}
	in := writeLines(t, "in.jsonl", lines)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Estimate(ctx, Job{Input: in, PromptColumn: "t", Model: "gpt-4o"}, EstimateOptions{Workers: 2})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}
