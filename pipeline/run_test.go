package pipeline

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/simulator"
)

// messy returns field text that exercises quoting, newlines and Unicode.
func messy(i int) string {
	kinds := []string{
		`plain text`,
		`a "quoted" word, and a comma`,
		"two\nlines",
		"crlf\r\ninside",
		`東京は日本の首都です`,
		`emoji 🚀🔥👍🏽 family 👨‍👩‍👧‍👦`,
		`   spaces   `,
		`trailing backslash \`,
	}
	return fmt.Sprintf("row %d: %s", i, kinds[i%len(kinds)])
}

// writeCSV writes an id,text,extra CSV of n messy rows.
func writeCSV(t *testing.T, dir string, n int) string {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"id", "text", "extra"})
	for i := range n {
		w.Write([]string{fmt.Sprintf("id-%05d", i), messy(i), fmt.Sprint(i * 7)})
	}
	w.Flush()
	path := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type testEnv struct {
	sim *simulator.Running
	dir string
}

func newEnv(t *testing.T, cfg simulator.Config) *testEnv {
	t.Helper()
	sim, err := simulator.Start("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return &testEnv{sim: sim, dir: t.TempDir()}
}

func (e *testEnv) job(input string) Job {
	return Job{
		Input:    input,
		Outputs:  []string{filepath.Join(e.dir, "out.jsonl"), filepath.Join(e.dir, "out.csv")},
		Template: "{{.id}} says: {{.text}}",
		Model:    "gpt-4o-mini",
		IDColumn: "id",
		Keep:     []string{"extra"},
		State:    filepath.Join(e.dir, "state.db"),
	}
}

func (e *testEnv) opts() Options { return e.optsFor(e.sim.URL) }

func (e *testEnv) optsFor(baseURL string) Options {
	return Options{
		Endpoint:    Endpoint{BaseURL: baseURL, Timeout: 5 * time.Second},
		Concurrency: 16,
		BackoffBase: time.Millisecond,
		BackoffMax:  5 * time.Millisecond,
	}
}

// readJSONL decodes every line of an output file.
func readJSONL(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%s line %d: %v", path, i+1, err)
		}
		rows = append(rows, m)
	}
	return rows
}

func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}

func TestRunEveryRowOnceInOrder(t *testing.T) {
	const n = 500
	e := newEnv(t, simulator.Config{})
	job := e.job(writeCSV(t, e.dir, n))
	s, err := Run(context.Background(), job, e.opts())
	if err != nil {
		t.Fatal(err)
	}
	if s.Stop != Completed || s.OK != n || s.Failed != 0 {
		t.Fatalf("summary: stop=%v ok=%d failed=%d err=%v", s.Stop, s.OK, s.Failed, s.Err)
	}
	rows := readJSONL(t, job.Outputs[0])
	recs := readCSVFile(t, job.Outputs[1])
	if len(rows) != n || len(recs) != n+1 {
		t.Fatalf("jsonl rows %d, csv rows %d; want %d", len(rows), len(recs)-1, n)
	}
	wantHeader := "id,extra,output,finish_reason,model,prompt_tokens,completion_tokens,cached_tokens,reasoning_tokens,cost_usd,latency_ms,attempts,error,served_from"
	if got := strings.Join(recs[0], ","); got != wantHeader {
		t.Fatalf("csv header %s", got)
	}
	var promptSum int64
	for i, r := range rows {
		id := fmt.Sprintf("id-%05d", i)
		if r["id"] != id || recs[i+1][0] != id {
			t.Fatalf("row %d: id %v / %v, want %s", i, r["id"], recs[i+1][0], id)
		}
		// The simulator echoes the prompt's first words: each answer is
		// on its own row.
		if out, _ := r["output"].(string); !strings.Contains(out, id) {
			t.Fatalf("row %d: output %q does not answer %s", i, out, id)
		}
		if recs[i+1][2] != r["output"] {
			t.Fatalf("row %d: CSV and JSONL disagree", i)
		}
		if r["extra"] != fmt.Sprint(i*7) || r["error"] != nil {
			t.Fatalf("row %d: %v", i, r)
		}
		promptSum += int64(r["prompt_tokens"].(float64))
	}
	if st := e.sim.Stats(); st.Requests != n || st.PromptTokens != promptSum {
		t.Fatalf("simulator saw %d requests and %d prompt tokens; outputs say %d and %d", st.Requests, st.PromptTokens, n, promptSum)
	}
}

func TestRunResumeSendsNothingTwice(t *testing.T) {
	e := newEnv(t, simulator.Config{})
	job := e.job(writeCSV(t, e.dir, 100))
	if _, err := Run(context.Background(), job, e.opts()); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(job.Outputs[1])
	s, err := Run(context.Background(), job, e.opts())
	if err != nil {
		t.Fatal(err)
	}
	if s.Reused != 100 || s.Requests != 0 || e.sim.Stats().Requests != 100 {
		t.Fatalf("rerun: reused %d, sent %d; simulator total %d", s.Reused, s.Requests, e.sim.Stats().Requests)
	}
	second, _ := os.ReadFile(job.Outputs[1])
	if !bytes.Equal(first, second) {
		t.Fatal("rerun changed the output")
	}
	// A changed template is a different job: refused, naming what changed.
	job.Template = "{{.text}}"
	_, err = Run(context.Background(), job, e.opts())
	var me *MismatchError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), "template") || !strings.Contains(err.Error(), "--restart") {
		t.Fatalf("changed template: err = %v", err)
	}
	job.Restart = true
	s, err = Run(context.Background(), job, e.opts())
	if err != nil || s.Requests != 100 {
		t.Fatalf("--restart: sent %d, err %v", s.Requests, err)
	}
	if _, err := os.Stat(job.State + ".bak"); err != nil {
		t.Fatalf("--restart must keep the old database: %v", err)
	}
}

func TestRunBadRowsBecomeErrorRows(t *testing.T) {
	e := newEnv(t, simulator.Config{})
	in := filepath.Join(e.dir, "in.jsonl")
	data := `{"id":"a","text":"fine"}
{"id":"b","text":
{"id":"c"}
{"id":"a","text":"duplicate id"}
{"id":"d","text":"fine too"}
`
	os.WriteFile(in, []byte(data), 0o644)
	job := e.job(in)
	job.Keep = nil
	s, err := Run(context.Background(), job, e.opts())
	if err != nil {
		t.Fatal(err)
	}
	if s.Stop != Completed || s.OK != 2 || s.Failed != 3 {
		t.Fatalf("stop=%v ok=%d failed=%d", s.Stop, s.OK, s.Failed)
	}
	rows := readJSONL(t, job.Outputs[0])
	if len(rows) != 5 {
		t.Fatalf("%d rows, want 5", len(rows))
	}
	wantErr := []string{"", "in.jsonl:2", "in.jsonl:3", "in.jsonl:4", ""}
	for i, w := range wantErr {
		got, _ := rows[i]["error"].(string)
		if (w == "") != (got == "") || !strings.Contains(got, w) {
			t.Errorf("row %d error %q, want it to name %q", i, got, w)
		}
	}
	if !strings.Contains(rows[2]["error"].(string), `"text"`) || !strings.Contains(rows[3]["error"].(string), "duplicate id") {
		t.Errorf("errors should say what is wrong: %q, %q", rows[2]["error"], rows[3]["error"])
	}

	job.Strict, job.State, job.Restart = true, filepath.Join(e.dir, "strict.db"), false
	s, err = Run(context.Background(), job, e.opts())
	if err != nil || s.Stop != Failed || !strings.Contains(s.Err.Error(), "in.jsonl:2") {
		t.Fatalf("--strict: stop=%v err=%v / %v", s.Stop, s.Err, err)
	}
}

func TestRunSurvivesFaults(t *testing.T) {
	const n = 400
	e := newEnv(t, simulator.Config{Seed: 3, Faults: simulator.Faults{Err500: 0.04, Err502HTML: 0.03, Err503: 0.03, Reset: 0.03, Truncated: 0.03}})
	job := e.job(writeCSV(t, e.dir, n))
	s, err := Run(context.Background(), job, e.opts())
	if err != nil {
		t.Fatal(err)
	}
	if s.Stop != Completed || s.OK != n {
		t.Fatalf("stop=%v ok=%d failed=%d kinds=%+v", s.Stop, s.OK, s.Failed, s.ErrorKinds)
	}
	if s.Retries == 0 {
		t.Fatal("faults were injected but nothing was retried")
	}
	rows := readJSONL(t, job.Outputs[0])
	seen := map[string]bool{}
	for i, r := range rows {
		id := r["id"].(string)
		if seen[id] || id != fmt.Sprintf("id-%05d", i) {
			t.Fatalf("row %d: id %s duplicated or out of order", i, id)
		}
		seen[id] = true
	}
	if len(rows) != n {
		t.Fatalf("%d rows, want %d", len(rows), n)
	}
}

func TestRunStopsOnBadKey(t *testing.T) {
	e := newEnv(t, simulator.Config{APIKey: "sk-right"})
	job := e.job(writeCSV(t, e.dir, 300))
	opt := e.opts()
	opt.Endpoint.APIKey = "sk-wrong-key-123"
	s, err := Run(context.Background(), job, opt)
	if err != nil {
		t.Fatal(err)
	}
	if s.Stop != Failed || !strings.Contains(s.Err.Error(), "API key") {
		t.Fatalf("stop=%v err=%v", s.Stop, s.Err)
	}
	if strings.Contains(s.Err.Error(), "sk-wrong-key-123") {
		t.Fatal("the key leaked into the error")
	}
	if got := e.sim.Stats().Requests; got > int64(opt.Concurrency)+1 {
		t.Fatalf("%d requests sent after a 401; at most %d may be in flight", got, opt.Concurrency+1)
	}
	if _, err := os.Stat(job.Outputs[0]); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("an unfinished job must not publish outputs")
	}
}

func TestRunOutOfCreditIsResumable(t *testing.T) {
	e := newEnv(t, simulator.Config{InsufficientQuota: true})
	job := e.job(writeCSV(t, e.dir, 50))
	s, err := Run(context.Background(), job, e.opts())
	if err != nil {
		t.Fatal(err)
	}
	if s.Stop != Stalled || !strings.Contains(s.Err.Error(), "credit") {
		t.Fatalf("stop=%v err=%v", s.Stop, s.Err)
	}
}

func TestRunUnreachableServerFailsFast(t *testing.T) {
	e := newEnv(t, simulator.Config{})
	job := e.job(writeCSV(t, e.dir, 20))
	opt := e.opts()
	opt.Endpoint.BaseURL = "http://127.0.0.1:1/v1"
	s, err := Run(context.Background(), job, opt)
	if err != nil {
		t.Fatal(err)
	}
	if s.Stop != Failed || !strings.Contains(s.Err.Error(), "127.0.0.1:1") {
		t.Fatalf("stop=%v err=%v", s.Stop, s.Err)
	}
}

func TestRunTemperatureZeroReachesServer(t *testing.T) {
	var log bytes.Buffer
	e := newEnv(t, simulator.Config{RequestLog: &syncBuffer{b: &log}})
	job := e.job(writeCSV(t, e.dir, 3))
	zero := 0.0
	job.Params.Temperature = &zero
	if _, err := Run(context.Background(), job, e.opts()); err != nil {
		t.Fatal(err)
	}
	e.sim.Close()
	if !strings.Contains(log.String(), `"temperature":0`) {
		t.Fatalf("temperature 0 not sent: %s", log.String())
	}
}

type syncBuffer struct{ b *bytes.Buffer }

func (s *syncBuffer) Write(p []byte) (int, error) { return s.b.Write(p) }

// TestRunAgainstAnotherServer uses a different OpenAI-compatible server that
// echoes each prompt after a per-row delay, so answers complete out of
// order: each must still land on its own row.
func TestRunAgainstAnotherServer(t *testing.T) {
	const rows = 300
	var mu sync.Mutex
	seen := 0
	var held chan struct{} // closed when the next request arrives
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []struct{ Content string } `json:"messages"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.URL.Path != "/v1/chat/completions" {
			http.Error(w, `{"error":{"message":"bad","type":"invalid_request_error"}}`, 400)
			return
		}
		// Every third request is answered only after the next one has
		// arrived, so completion order differs from input order.
		mu.Lock()
		seen++
		n := seen
		if held != nil {
			close(held)
			held = nil
		}
		var wait chan struct{}
		// (Not before the limiter has learned that this server sends no
		// rate-limit headers: it sends one request at a time until then.)
		if n%3 == 0 && n > 5 && n < rows {
			wait = make(chan struct{})
			held = wait
		}
		mu.Unlock()
		if wait != nil {
			<-wait
		}
		prompt := req.Messages[len(req.Messages)-1].Content
		json.NewEncoder(w).Encode(map[string]any{
			"id": "x", "object": "chat.completion", "model": "local-model",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": "echo: " + prompt}}},
			"usage": map[string]any{"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
		})
	}))
	defer srv.Close()
	dir := t.TempDir()
	job := Job{
		Input: writeCSV(t, dir, rows), Outputs: []string{filepath.Join(dir, "o.jsonl")},
		Template: "{{.id}}|{{.text}}", Model: "local-model", IDColumn: "id", State: filepath.Join(dir, "s.db"),
	}
	s, err := Run(context.Background(), job, Options{Endpoint: Endpoint{BaseURL: srv.URL + "/v1"}, Concurrency: 32})
	if err != nil || s.Stop != Completed {
		t.Fatalf("stop=%v err=%v %v", s.Stop, s.Err, err)
	}
	for i, r := range readJSONL(t, job.Outputs[0]) {
		want := fmt.Sprintf("echo: id-%05d|%s", i, messy(i))
		if r["output"] != want {
			t.Fatalf("row %d: output %q, want %q", i, r["output"], want)
		}
		if r["cost_usd"] != nil {
			t.Fatalf("row %d: an unpriced model's cost must be null, got %v", i, r["cost_usd"])
		}
	}
}

func TestRunEditedRowIsTheOnlyOneSent(t *testing.T) {
	e := newEnv(t, simulator.Config{})
	in := writeCSV(t, e.dir, 200)
	job := e.job(in)
	if _, err := Run(context.Background(), job, e.opts()); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(in)
	edited := strings.Replace(string(data), "row 57: ", "row 57 (edited): ", 1)
	// An added row at the end is new, too.
	edited += "id-new,appended row,0\n"
	os.WriteFile(in, []byte(edited), 0o644)
	s, err := Run(context.Background(), job, e.opts())
	if err != nil || s.Stop != Completed {
		t.Fatalf("stop=%v err=%v %v", s.Stop, s.Err, err)
	}
	if s.Requests != 2 || s.Reused != 199 {
		t.Fatalf("sent %d (want 2: the edited and the added row), reused %d (want 199)", s.Requests, s.Reused)
	}
	rows := readJSONL(t, job.Outputs[0])
	if len(rows) != 201 || !strings.Contains(rows[57]["output"].(string), "(edited)") || rows[200]["id"] != "id-new" {
		t.Fatalf("outputs: %d rows; row 57 %v; last %v", len(rows), rows[57]["output"], rows[200]["id"])
	}
}

func TestRunDuplicateIDsAcrossBatches(t *testing.T) {
	e := newEnv(t, simulator.Config{})
	var b strings.Builder
	b.WriteString("id,text,extra\n")
	for i := range 400 {
		b.WriteString(fmt.Sprintf("id-%d,text %d,0\n", i%300, i)) // rows 300..399 repeat ids 0..99
	}
	in := filepath.Join(e.dir, "dups.csv")
	os.WriteFile(in, []byte(b.String()), 0o644)
	s, err := Run(context.Background(), e.job(in), e.opts())
	if err != nil {
		t.Fatal(err)
	}
	if s.OK != 300 || s.Failed != 100 || e.sim.Stats().Requests != 300 {
		t.Fatalf("ok %d failed %d sent %d; want 300/100/300", s.OK, s.Failed, e.sim.Stats().Requests)
	}
	rows := readJSONL(t, filepath.Join(e.dir, "out.jsonl"))
	if msg, _ := rows[350]["error"].(string); !strings.Contains(msg, `duplicate id "id-50" (first at`) || !strings.Contains(msg, "dups.csv:52") {
		t.Fatalf("row 350 error %q", msg)
	}
}

// TestRunRefusesASecondRunOfTheSameJob: two runs on one state database
// would both claim and pay for the same rows.
func TestRunRefusesASecondRunOfTheSameJob(t *testing.T) {
	e := newEnv(t, simulator.Config{})
	job := e.job(writeCSV(t, e.dir, 5))
	unlock, err := lockState(job.State) // as a run in progress holds it
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), job, e.opts())
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "in use by another batchprompt run") {
		t.Fatalf("err = %v", err)
	}
	unlock()
	if s, err := Run(context.Background(), job, e.opts()); err != nil || s.Stop != Completed {
		t.Fatalf("after the other run ends: stop=%v err=%v", s.Stop, err)
	}
}

func TestRunRecordsLearnedLimits(t *testing.T) {
	e := newEnv(t, simulator.Config{RPM: 60000, TPM: 10_000_000})
	job := e.job(writeCSV(t, e.dir, 20))
	if _, err := Run(context.Background(), job, e.opts()); err != nil {
		t.Fatal(err)
	}
	db, err := checkpoint.Open(context.Background(), job.State)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l, ok := StoredLimitsAt(context.Background(), job.State, job.Model)
	if !ok || l.RPM != 60000*0.98 || l.TPM != 10_000_000*0.98 {
		t.Fatalf("stored limits %+v %v, want the server's less 2 %% headroom", l, ok)
	}
}

// TestRunAddedPartFileSendsOnlyItsRows: rows without an id are keyed by
// file and row within the file, so a part file added in front of the
// others does not make every later row look new.
func TestRunAddedPartFileSendsOnlyItsRows(t *testing.T) {
	e := newEnv(t, simulator.Config{})
	parts := filepath.Join(e.dir, "parts")
	os.MkdirAll(parts, 0o755)
	write := func(name string, from, n int) {
		var b strings.Builder
		b.WriteString("text\n")
		for i := from; i < from+n; i++ {
			fmt.Fprintf(&b, "row %d\n", i)
		}
		os.WriteFile(filepath.Join(parts, name), []byte(b.String()), 0o644)
	}
	write("part-2.csv", 0, 30)
	write("part-3.csv", 30, 30)
	job := Job{Input: parts, Outputs: []string{filepath.Join(e.dir, "o.jsonl")}, Template: "{{.text}}",
		Model: "gpt-4o-mini", State: filepath.Join(e.dir, "s.db")}
	if s, err := Run(context.Background(), job, e.opts()); err != nil || s.Requests != 60 {
		t.Fatalf("first run: %d requests, %v", s.Requests, err)
	}
	write("part-1.csv", 100, 10) // sorts first
	s, err := Run(context.Background(), job, e.opts())
	if err != nil || s.Stop != Completed || s.Requests != 10 || s.Reused != 60 {
		t.Fatalf("after adding a part: sent %d (want 10), reused %d (want 60), stop %v, err %v", s.Requests, s.Reused, s.Stop, err)
	}
	rows := readJSONL(t, job.Outputs[0])
	if len(rows) != 70 || !strings.Contains(rows[0]["output"].(string), "row 100") || !strings.Contains(rows[10]["output"].(string), "row 0") {
		t.Fatalf("%d rows; first %v; 11th %v", len(rows), rows[0]["output"], rows[10]["output"])
	}
}

// TestRunChangedKeepReusesAnswers: --keep is an output setting, not part
// of the job: changing it sends nothing again and the outputs carry the
// new columns for every row.
func TestRunChangedKeepReusesAnswers(t *testing.T) {
	e := newEnv(t, simulator.Config{})
	job := e.job(writeCSV(t, e.dir, 300))
	job.Keep = nil
	if _, err := Run(context.Background(), job, e.opts()); err != nil {
		t.Fatal(err)
	}
	job.Keep = []string{"extra", "text"}
	s, err := Run(context.Background(), job, e.opts())
	if err != nil || s.Stop != Completed || s.Requests != 0 || s.Reused != 300 {
		t.Fatalf("stop=%v sent=%d reused=%d err=%v %v", s.Stop, s.Requests, s.Reused, s.Err, err)
	}
	for i, r := range readJSONL(t, job.Outputs[0]) {
		if r["extra"] != fmt.Sprint(i*7) || r["text"] != messy(i) {
			t.Fatalf("row %d kept %v / %v", i, r["extra"], r["text"])
		}
	}
}

func TestRunKeepingTheIDColumnIsHarmless(t *testing.T) {
	e := newEnv(t, simulator.Config{})
	job := e.job(writeCSV(t, e.dir, 5))
	job.Keep = []string{"id", "extra"}
	s, err := Run(context.Background(), job, e.opts())
	if err != nil || s.Stop != Completed {
		t.Fatalf("stop=%v err=%v %v", s.Stop, s.Err, err)
	}
	if r := readJSONL(t, job.Outputs[0])[3]; r["id"] != "id-00003" || r["extra"] != "21" {
		t.Fatalf("row 3: %v", r)
	}
}
