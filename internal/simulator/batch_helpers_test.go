package simulator

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

// batchSim is a simulator behind httptest with a fake clock, and a
// go-openai client pointed at it.
type batchSim struct {
	s     *Server
	clock *fakeClock
	c     *openai.Client
}

func newBatchSim(t testing.TB, bc BatchConfig) *batchSim {
	t.Helper()
	clock := newFakeClock()
	s := New(Config{Now: clock.Now, Sleep: noSleep, Seed: 7, Batch: bc})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	cfg := openai.DefaultConfig("sk-test")
	cfg.BaseURL = ts.URL + "/v1"
	cfg.HTTPClient = ts.Client()
	return &batchSim{s: s, clock: clock, c: openai.NewClientWithConfig(cfg)}
}

// chatLine is one batch input line for the chat endpoint.
func chatLine(customID, model, user string) string {
	b, _ := json.Marshal(map[string]any{"custom_id": customID, "method": "POST", "url": "/v1/chat/completions",
		"body": json.RawMessage(strings.TrimSuffix(strings.Replace(simpleBody(user, ""), "gpt-4o-mini", model, 1), "\n"))})
	return string(b)
}

// batchInput is n chat lines with custom_ids row-0 … row-(n-1).
func batchInput(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(chatLine(fmt.Sprintf("row-%d", i), "gpt-4o-mini", fmt.Sprintf("Summarise record %d in one line.", i)))
		b.WriteByte('\n')
	}
	return b.String()
}

// submit uploads content and creates a chat batch for it.
func (b *batchSim) submit(t testing.TB, content string, md map[string]any) openai.Batch {
	t.Helper()
	ctx := context.Background()
	f, err := b.c.CreateFileBytes(ctx, openai.FileBytesRequest{Name: "in.jsonl", Bytes: []byte(content), Purpose: openai.PurposeBatch})
	if err != nil {
		t.Fatalf("CreateFileBytes: %v", err)
	}
	resp, err := b.c.CreateBatch(ctx, openai.CreateBatchRequest{InputFileID: f.ID,
		Endpoint: openai.BatchEndpointChatCompletions, Metadata: md})
	if err != nil {
		t.Fatalf("CreateBatch: %v", err)
	}
	return resp.Batch
}

func (b *batchSim) get(t testing.TB, id string) openai.Batch {
	t.Helper()
	resp, err := b.c.RetrieveBatch(context.Background(), id)
	if err != nil {
		t.Fatalf("RetrieveBatch %s: %v", id, err)
	}
	return resp.Batch
}

// resultLine is an output or error file line as a client decodes it.
type resultLine struct {
	ID       string `json:"id"`
	CustomID string `json:"custom_id"`
	Response *struct {
		StatusCode int             `json:"status_code"`
		RequestID  string          `json:"request_id"`
		Body       json.RawMessage `json:"body"`
	} `json:"response"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// download streams file id and decodes its lines; a nil id gives none.
func (b *batchSim) download(t *testing.T, id *string) []resultLine {
	t.Helper()
	if id == nil {
		return nil
	}
	raw, err := b.c.GetFileContent(context.Background(), *id)
	if err != nil {
		t.Fatalf("GetFileContent %s: %v", *id, err)
	}
	defer raw.Close()
	var out []resultLine
	sc := bufio.NewScanner(raw)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var l resultLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// ids lists the custom_ids of lines, in file order.
func ids(lines []resultLine) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.CustomID
	}
	return out
}

// errorCodes counts the error file's lines by error code, or by
// "status NNN" for lines answered with an error status.
func errorCodes(lines []resultLine) map[string]int {
	m := map[string]int{}
	for _, l := range lines {
		switch {
		case l.Error != nil:
			m[l.Error.Code]++
		case l.Response != nil:
			m[fmt.Sprintf("status %d", l.Response.StatusCode)]++
		}
	}
	return m
}

func itoa(i int) string { return strconv.Itoa(i) }

func atoi(s string) int {
	i, _ := strconv.Atoi(s)
	return i
}

// httptestGetStatus sends GET path in-process and returns the status code.
func httptestGetStatus(h http.Handler, path string) int {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	return w.Code
}

// customIDOf returns the custom_id of an input line.
func customIDOf(t *testing.T, line string) string {
	t.Helper()
	var l struct {
		CustomID string `json:"custom_id"`
	}
	if err := json.Unmarshal([]byte(line), &l); err != nil {
		t.Fatal(err)
	}
	return l.CustomID
}
