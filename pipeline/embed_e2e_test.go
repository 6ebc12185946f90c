package pipeline

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// embedText is row i's text: short, distinct, with some non-ASCII.
func embedText(i int) string {
	return fmt.Sprintf("document %d: café №%d, %s", i, i*7, strings.Repeat("x", i%13))
}

// writeEmbedCSV writes n rows of id,text; texts[i] overrides row i's text.
func writeEmbedCSV(t *testing.T, dir string, n int, texts map[int]string) string {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"id", "text"})
	for i := range n {
		text, ok := texts[i]
		if !ok {
			text = embedText(i)
		}
		w.Write([]string{fmt.Sprintf("d%05d", i), text})
	}
	w.Flush()
	path := filepath.Join(dir, "texts.csv")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func embedJob(dir, input string, dims int) Job {
	return Job{
		Input: input, Outputs: []string{filepath.Join(dir, "vec.parquet"), filepath.Join(dir, "vec.jsonl")},
		PromptColumn: "text", Model: DefaultEmbeddingModel, IDColumn: "id", State: filepath.Join(dir, "state.db"),
		Endpoint: EndpointEmbeddings, Dimensions: dims,
	}
}

// inputCounter wraps a handler and counts, per text, the inputs of the
// embeddings requests it receives; poison texts are refused with a 400, as
// the API refuses a request for one bad input.
type inputCounter struct {
	h      http.Handler
	poison string
	mu     sync.Mutex
	seen   map[string]int
	reqs   int
}

func (c *inputCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req struct{ Input []string }
	_ = json.Unmarshal(body, &req)
	c.mu.Lock()
	c.reqs++
	if c.seen == nil {
		c.seen = map[string]int{}
	}
	for _, in := range req.Input {
		c.seen[in]++
	}
	c.mu.Unlock()
	if c.poison != "" && bytes.Contains(body, []byte(c.poison)) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":{"message":"'$.input' is invalid.","type":"invalid_request_error","param":null,"code":null}}`))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	c.h.ServeHTTP(w, r)
}

func (e *memEnv) embedOpts(h http.Handler) Options {
	o := e.opts()
	o.HTTPClient = &http.Client{Transport: memTransport{h}}
	return o
}

// checkVectors asserts that the JSONL output holds every row once, in
// input order, each with the simulator's vector for its text.
func checkVectors(t *testing.T, path string, n, dims int, texts map[int]string) {
	t.Helper()
	rows := readJSONL(t, path)
	if len(rows) != n {
		t.Fatalf("%d rows in %s, want %d", len(rows), path, n)
	}
	for i, row := range rows {
		if id := fmt.Sprintf("d%05d", i); row["id"] != id {
			t.Fatalf("row %d has id %v, want %s (input order)", i, row["id"], id)
		}
		text, ok := texts[i]
		if !ok {
			text = embedText(i)
		}
		got, _ := row["embedding"].([]any)
		want := simulator.EmbeddingFor(text, dims)
		if len(got) != dims {
			t.Fatalf("row %d: %d dimensions, want %d (error %v)", i, len(got), dims, row["error"])
		}
		for j := range want {
			if math.Abs(got[j].(float64)-float64(want[j])) > 1e-6 {
				t.Fatalf("row %d component %d = %v, want %v", i, j, got[j], want[j])
			}
		}
	}
}

// The acceptance run: 10,000 rows at --dimensions 256, each with
// the simulator's vector, in order, exactly once, at most one request per
// 100 rows; the Parquet output holds the same vectors as FLOAT lists.
func TestEmbeddingsEndToEnd(t *testing.T) {
	const n, dims = embedRows, 256
	inBubble(t, simulator.Config{Seed: 3}, func(t *testing.T, e *memEnv) {
		count := &inputCounter{h: e.sim}
		job := embedJob(e.dir, writeEmbedCSV(t, e.dir, n, nil), dims)
		s, err := Run(context.Background(), job, e.embedOpts(count))
		if err != nil {
			t.Fatal(err)
		}
		if s.Stop != Completed || s.OK != n {
			t.Fatalf("stop=%v ok=%d err=%v kinds=%+v", s.Stop, s.OK, s.Err, s.ErrorKinds)
		}
		if count.reqs > n/100 {
			t.Fatalf("%d requests for %d rows, want at most %d", count.reqs, n, n/100)
		}
		for text, k := range count.seen {
			if k != 1 {
				t.Fatalf("%q was sent %d times", text, k)
			}
		}
		checkVectors(t, job.Outputs[1], n, dims, nil)

		type out struct {
			ID        string    `parquet:"id"`
			Embedding []float32 `parquet:"embedding,optional,list"`
			Prompt    int64     `parquet:"prompt_tokens"`
			Cost      *float64  `parquet:"cost_usd,optional"`
		}
		rows, err := parquet.ReadFile[out](job.Outputs[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != n {
			t.Fatalf("%d Parquet rows", len(rows))
		}
		for _, i := range []int{0, n / 2, n - 1} {
			want := simulator.EmbeddingFor(embedText(i), dims)
			if len(rows[i].Embedding) != dims || rows[i].Embedding[7] != want[7] || rows[i].Prompt <= 0 || rows[i].Cost == nil {
				t.Fatalf("Parquet row %d: %d dims, [7]=%v want %v, tokens %d, cost %v", i, len(rows[i].Embedding), rows[i].Embedding[7], want[7], rows[i].Prompt, rows[i].Cost)
			}
		}
	})
}

// A row over the input limit is an error row and the rest of its request
// succeeds; with --truncate it is cut, embedded and marked truncated. A row
// the server refuses alone is an error row alone.
func TestEmbeddingsRowErrorsStayAlone(t *testing.T) {
	const n = 300
	long := strings.Repeat("lorem ipsum ", 6000) // about 12,000 tokens
	texts := map[int]string{17: long, 150: "POISON pill"}
	for _, truncate := range []bool{false, true} {
		t.Run(fmt.Sprintf("truncate=%v", truncate), func(t *testing.T) {
			inBubble(t, simulator.Config{Seed: 4}, func(t *testing.T, e *memEnv) {
				count := &inputCounter{h: e.sim, poison: "POISON"}
				job := embedJob(e.dir, writeEmbedCSV(t, e.dir, n, texts), 64)
				job.Truncate = truncate
				s, err := Run(context.Background(), job, e.embedOpts(count))
				if err != nil {
					t.Fatal(err)
				}
				wantFailed := 2
				if truncate {
					wantFailed = 1
				}
				if s.Stop != Completed || s.Failed != int64(wantFailed) || s.OK != int64(n-wantFailed) {
					t.Fatalf("stop=%v ok=%d failed=%d kinds=%+v", s.Stop, s.OK, s.Failed, s.ErrorKinds)
				}
				rows := readJSONL(t, job.Outputs[1])
				if rows[150]["embedding"] != nil || !strings.Contains(fmt.Sprint(rows[150]["error"]), "invalid") {
					t.Fatalf("the refused row: %v", rows[150])
				}
				long := rows[17]
				if truncate {
					if long["truncated"] != true || long["prompt_tokens"].(float64) != 8192 || long["embedding"] == nil {
						t.Fatalf("the truncated row: truncated=%v tokens=%v", long["truncated"], long["prompt_tokens"])
					}
				} else if long["embedding"] != nil || !strings.Contains(fmt.Sprint(long["error"]), "--truncate") {
					t.Fatalf("the long row: %v", long["error"])
				}
				for i, row := range rows {
					if i != 17 && i != 150 && row["embedding"] == nil {
						t.Fatalf("row %d has no vector: %v", i, row["error"])
					}
				}
			})
		})
	}
}

// An interrupted run leaves its unanswered rows pending, and the rerun
// sends only those: no text reaches the server twice.
func TestEmbeddingsResumeSendsOnlyUnfinishedRows(t *testing.T) {
	const n = 5_000
	inBubble(t, simulator.Config{Seed: 5}, func(t *testing.T, e *memEnv) {
		count := &inputCounter{h: e.sim}
		job := embedJob(e.dir, writeEmbedCSV(t, e.dir, n, nil), 32)
		job.EmbedBatch = 100
		ctx, cancel := context.WithCancel(context.Background())
		opt := e.embedOpts(count)
		opt.Concurrency = 2
		opt.Progress = func(p Progress) {
			if p.Done >= n/3 {
				cancel()
			}
		}
		s, err := Run(ctx, job, opt)
		if err != nil {
			t.Fatal(err)
		}
		if s.Stop != Interrupted || s.Done >= n || s.Done < n/3 {
			t.Fatalf("first run: stop=%v done=%d", s.Stop, s.Done)
		}
		first := count.reqs
		opt.Progress = nil
		s2, err := Run(context.Background(), job, opt)
		if err != nil {
			t.Fatal(err)
		}
		if s2.Stop != Completed || s2.OK != n || s2.Reused != s.Done {
			t.Fatalf("rerun: stop=%v ok=%d reused=%d, first run done %d", s2.Stop, s2.OK, s2.Reused, s.Done)
		}
		for text, k := range count.seen {
			if k != 1 {
				t.Fatalf("%q was sent %d times over the two runs", text, k)
			}
		}
		if len(count.seen) != n {
			t.Fatalf("%d texts sent, want %d", len(count.seen), n)
		}
		t.Logf("first run: %d rows in %d requests; rerun: %d requests", s.Done, first, count.reqs-first)

		// export knows from the state database alone that it holds vectors.
		exported := filepath.Join(e.dir, "exported.jsonl")
		if _, err := Export(context.Background(), ExportSpec{State: job.State, Outputs: []string{exported}}); err != nil {
			t.Fatal(err)
		}
		a, _ := os.ReadFile(job.Outputs[1])
		b, _ := os.ReadFile(exported)
		if !bytes.Equal(a, b) {
			t.Fatal("export wrote other rows than run")
		}
	})
}

// Batch API lines with url /v1/embeddings are sent as given, beside chat
// lines, and the .batch.jsonl output carries each embeddings answer.
func TestEmbeddingsBatchAPILines(t *testing.T) {
	inBubble(t, simulator.Config{Seed: 6}, func(t *testing.T, e *memEnv) {
		lines := `{"custom_id":"e1","method":"POST","url":"/v1/embeddings","body":{"model":"text-embedding-3-small","input":["alpha","beta"],"dimensions":4}}
{"custom_id":"c1","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}}
{"custom_id":"e2","method":"POST","url":"/v1/embeddings","body":{"model":"text-embedding-3-small","input":"gamma","encoding_format":"float","dimensions":4}}
`
		in := filepath.Join(e.dir, "requests.jsonl")
		if err := os.WriteFile(in, []byte(lines), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(e.dir, "results.batch.jsonl")
		job := Job{Input: in, Outputs: []string{out}, Model: "gpt-4o-mini", State: filepath.Join(e.dir, "state.db")}
		s, err := Run(context.Background(), job, e.opts())
		if err != nil || s.Stop != Completed || s.OK != 3 {
			t.Fatalf("stop=%v ok=%d err=%v %v kinds=%+v", s.Stop, s.OK, err, s.Err, s.ErrorKinds)
		}
		got := map[string]struct {
			Response struct {
				StatusCode int `json:"status_code"`
				Body       struct {
					Data []struct {
						Embedding json.RawMessage `json:"embedding"`
					} `json:"data"`
					Usage struct {
						PromptTokens int `json:"prompt_tokens"`
					} `json:"usage"`
				} `json:"body"`
			} `json:"response"`
		}{}
		for _, row := range readJSONL(t, out) {
			b, _ := json.Marshal(row)
			v := got[""]
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatal(err)
			}
			got[row["custom_id"].(string)] = v
		}
		if e1 := got["e1"].Response; e1.StatusCode != 200 || len(e1.Body.Data) != 2 || e1.Body.Usage.PromptTokens != 2 {
			t.Fatalf("e1: %+v", e1)
		}
		var v []float32
		if err := json.Unmarshal(got["e2"].Response.Body.Data[0].Embedding, &v); err != nil || fmt.Sprint(v) != fmt.Sprint(simulator.EmbeddingFor("gamma", 4)) {
			t.Fatalf("e2's vector %v (%v), want the simulator's for gamma", v, err)
		}
	})
}

// A chat job's fingerprint gains no key, so state databases made before
// embeddings existed still resume; an embeddings job's names what shapes
// its requests.
func TestEmbeddingsFingerprint(t *testing.T) {
	chat := Job{Model: "gpt-4o-mini", Template: "{{.x}}"}
	for _, k := range []string{"endpoint", "dimensions", "truncate"} {
		if _, ok := chat.Fingerprint()[k]; ok {
			t.Errorf("a chat job's fingerprint has %q", k)
		}
	}
	emb := Job{Model: DefaultEmbeddingModel, PromptColumn: "x", Endpoint: EndpointEmbeddings, Dimensions: 256, Truncate: true, EmbedBatch: 10}
	fp := emb.Fingerprint()
	if fp["endpoint"] != "embeddings" || fp["dimensions"] != "256" || fp["truncate"] != "true" {
		t.Errorf("fingerprint %v", fp)
	}
	emb.EmbedBatch = 20
	if fmt.Sprint(emb.Fingerprint()) != fmt.Sprint(fp) {
		t.Error("--embed-batch changed the fingerprint: it only groups rows")
	}
	for _, bad := range []Job{
		{Endpoint: "completions"},
		{Dimensions: 256},
		{Endpoint: EndpointEmbeddings, EmbedBatch: 5000},
		{Endpoint: EndpointEmbeddings, BatchAPI: true},
	} {
		if err := bad.validateEndpoint(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
