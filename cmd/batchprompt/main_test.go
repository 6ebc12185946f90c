package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// runCLI runs the command line in-process and returns the exit code and
// what it wrote to stderr.
func runCLI(t *testing.T, env mapEnv, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := execute(context.Background(), args, env, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String() + stderr.String()
}

func messyText(i int) string {
	kinds := []string{`plain`, `"quoted", with commas`, "new\nline", "crlf\r\nline", `中文 日本語 한국어`, `emoji 🚀👍🏽👨‍👩‍👧‍👦`, `tab	inside`, `back\slash`}
	return fmt.Sprintf("%d %s", i, kinds[i%len(kinds)])
}

func writeInputs(t *testing.T, dir string, n int) (csvPath, jsonlPath string) {
	t.Helper()
	var cb, jb bytes.Buffer
	w := csv.NewWriter(&cb)
	w.Write([]string{"id", "text", "lang"})
	for i := range n {
		id, text := fmt.Sprintf("r%06d", i), messyText(i)
		w.Write([]string{id, text, "en"})
		line, _ := json.Marshal(map[string]any{"id": id, "text": text, "lang": "en"})
		jb.Write(append(line, '\n'))
	}
	w.Flush()
	csvPath, jsonlPath = filepath.Join(dir, "in.csv"), filepath.Join(dir, "in.jsonl")
	os.WriteFile(csvPath, cb.Bytes(), 0o644)
	os.WriteFile(jsonlPath, jb.Bytes(), 0o644)
	return
}

func readLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, m)
	}
	return out
}

// TestTenThousandMessyRows is the foundation's acceptance run: CSV and
// JSONL inputs of 10,000 messy rows, two output formats each, every row
// once, in order, formats agreeing. Under the race detector it runs 2,000
// rows (see raceDetector): the concurrency it checks is the same.
func TestTenThousandMessyRows(t *testing.T) {
	n := 10000
	if raceDetector {
		n = 2000
	}
	dir := t.TempDir()
	csvIn, jsonlIn := writeInputs(t, dir, n)
	var outputs [][]map[string]any
	for _, in := range []string{csvIn, jsonlIn} {
		base := filepath.Join(dir, filepath.Base(in)+".out")
		code, out := runCLI(t, mapEnv{}, "run", "-i", in, "-o", base+".csv", "-o", base+".jsonl",
			"--template", "{{.id}}: {{.text}}", "--id-column", "id", "--keep", "lang,text",
			"--simulate", "--sim-latency", "0", "--sim-latency-jitter", "0", "-q")
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", in, code, out)
		}
		rows := readLines(t, base+".jsonl")
		f, _ := os.Open(base + ".csv")
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != n || len(recs) != n+1 {
			t.Fatalf("%s: %d JSONL rows, %d CSV rows; want %d", in, len(rows), len(recs)-1, n)
		}
		for i, r := range rows {
			id := fmt.Sprintf("r%06d", i)
			if r["id"] != id || recs[i+1][0] != id || !strings.Contains(r["output"].(string), id) {
				t.Fatalf("%s row %d: %v", in, i, r)
			}
			if r["text"] != messyText(i) {
				t.Fatalf("%s row %d: kept text %q, want %q", in, i, r["text"], messyText(i))
			}
			if recs[i+1][3] != r["output"] {
				t.Fatalf("%s row %d: CSV and JSONL outputs differ", in, i)
			}
		}
		outputs = append(outputs, rows)
	}
	// The same rows through CSV and JSONL inputs get the same answers.
	for i := range n {
		if outputs[0][i]["output"] != outputs[1][i]["output"] {
			t.Fatalf("row %d: answers differ between CSV and JSONL input", i)
		}
	}
}

func TestTwoRunsGiveTheSameOutput(t *testing.T) {
	dir := t.TempDir()
	in, _ := writeInputs(t, dir, 200)
	var runs [][]map[string]any
	for i := range 2 {
		out := filepath.Join(dir, fmt.Sprintf("run%d.jsonl", i))
		code, log := runCLI(t, mapEnv{}, "run", "-i", in, "-o", out, "--template", "{{.text}}", "--simulate", "-q")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, log)
		}
		runs = append(runs, readLines(t, out))
	}
	for i := range runs[0] {
		delete(runs[0][i], "latency_ms")
		delete(runs[1][i], "latency_ms")
		a, _ := json.Marshal(runs[0][i])
		b, _ := json.Marshal(runs[1][i])
		if !bytes.Equal(a, b) {
			t.Fatalf("row %d differs:\n%s\n%s", i, a, b)
		}
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	in, _ := writeInputs(t, dir, 5)
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{\"text\":\"ok\"}\nnot json\n"), 0o644)
	out := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		name string
		args []string
		env  mapEnv
		code int
		want string
	}{
		{"ok", []string{"run", "-i", in, "-o", out("a.jsonl"), "--template", "{{.text}}", "--simulate"}, nil, 0, "done"},
		{"unknown flag", []string{"run", "--nope"}, nil, 2, "unknown flag"},
		{"no input", []string{"run", "-o", out("b.jsonl"), "--template", "x", "--simulate"}, nil, 2, "no input"},
		{"missing input file", []string{"run", "-i", out("missing.csv"), "-o", out("c.jsonl"), "--template", "x", "--simulate"}, nil, 1, "missing.csv"},
		{"bad output extension", []string{"run", "-i", in, "-o", out("d.xlsx"), "--template", "x", "--simulate"}, nil, 2, "d.xlsx"},
		{"no key for OpenAI", []string{"run", "-i", in, "-o", out("e.jsonl"), "--template", "x"}, mapEnv{}, 2, "OPENAI_API_KEY"},
		{"row errors", []string{"run", "-i", bad, "-o", out("f.jsonl"), "--template", "{{.text}}", "--simulate"}, nil, 4, "bad.jsonl:2"},
		{"strict", []string{"run", "-i", bad, "-o", out("g.jsonl"), "--template", "{{.text}}", "--simulate", "--strict"}, nil, 1, "bad.jsonl:2"},
		{"budget cap", []string{"run", "-i", in, "-o", out("i.jsonl"), "--template", "{{.text}}", "--simulate", "--max-cost", "0.00001", "--max-tokens", "50"}, nil, 3, "higher --max-cost"},
		{"out of credit", []string{"run", "-i", in, "-o", out("h.jsonl"), "--template", "{{.text}}", "--simulate", "--sim-insufficient-quota"}, nil, 5, "resume with: batchprompt run"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, log := runCLI(t, tc.env, tc.args...)
			if code != tc.code || !strings.Contains(log, tc.want) {
				t.Fatalf("exit %d (want %d), output lacks %q:\n%s", code, tc.code, tc.want, log)
			}
		})
	}
}

func TestAPIKeyNeverWritten(t *testing.T) {
	const key = "sk-test-RECOGNISABLE-0123456789"
	sim, err := simulator.Start("127.0.0.1:0", simulator.Config{APIKey: "sk-the-right-one"})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	dir := t.TempDir()
	in, _ := writeInputs(t, dir, 20)
	summary := filepath.Join(dir, "summary.json")
	for _, verbosity := range []string{"-v", "-q", "--log-format=json"} {
		code, log := runCLI(t, mapEnv{"OPENAI_API_KEY": key}, "run", "-i", in, "-o", filepath.Join(dir, "o.jsonl"),
			"--template", "{{.text}}", "--base-url", sim.URL, verbosity, "--summary", summary, "--state", filepath.Join(dir, "s.db"))
		if code != exitFatal {
			t.Fatalf("a wrong key must exit 1, got %d:\n%s", code, log)
		}
		if strings.Contains(log, key) {
			t.Fatalf("the key appears in the log (%s)", verbosity)
		}
	}
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, _ := os.ReadFile(path)
		if bytes.Contains(data, []byte(key)) {
			t.Errorf("the key appears in %s", path)
		}
		return nil
	})
}

func TestRunReadsJSONLFromStdin(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "o.jsonl")
	var stdout, stderr bytes.Buffer
	in := strings.NewReader("{\"text\":\"first\"}\n{\"text\":\"second, \\\"quoted\\\"\"}\n")
	code := execute(context.Background(), []string{"run", "-i", "-", "-o", out, "--template", "{{.text}}", "--simulate", "-q"},
		mapEnv{}, in, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	rows := readLines(t, out)
	if len(rows) != 2 || !strings.Contains(rows[1]["output"].(string), "second,") || rows[1]["row"] != float64(1) {
		t.Fatalf("rows: %v", rows)
	}
}
