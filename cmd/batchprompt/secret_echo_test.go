package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// A server that echoes the request's headers into its answers must not
// carry the key into anything the job writes or prints (issue 13, item 7):
// CSV, JSONL, Parquet and Batch API outputs, the state database, the
// summary JSON, status and stderr.
func TestKeyEchoedByTheServerIsNeverWritten(t *testing.T) {
	const key = "sk-test-SECRET123"
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		switch n.Add(1) % 3 {
		case 0: // a 500 quoting the header, five times in a row for some rows
			w.WriteHeader(500)
			fmt.Fprintf(w, "upstream error; request had Authorization: %s", auth)
		case 1: // a JSON 400 that echoes it: an error row with the body kept
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"error":{"message":"invalid header %s","type":"invalid_request_error","code":"bad"}}`, auth)
		default: // an answer that quotes it
			fmt.Fprintf(w, `{"id":"c","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"you sent %s"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":3,"total_tokens":6}}`, auth)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	in, _ := writeInputs(t, dir, 12)
	state := filepath.Join(dir, "s.db")
	outs := []string{"o.csv", "o.jsonl", "o.parquet", "o.batch.jsonl"}
	args := []string{"run", "-i", in, "--template", "{{.text}}", "--base-url", srv.URL + "/v1", "--state", state,
		"--summary", filepath.Join(dir, "summary.json"), "--max-attempts", "2", "-v"}
	for _, o := range outs {
		args = append(args, "-o", filepath.Join(dir, o))
	}
	env := mapEnv{"OPENAI_API_KEY": key}
	var printed strings.Builder
	for range 3 { // rows that ran out of retries are sent again by the next run
		_, log := runCLI(t, env, args...)
		printed.WriteString(log)
	}
	_, log := runCLI(t, env, "status", "--state", state)
	printed.WriteString(log)
	_, log = runCLI(t, env, "status", "--state", state, "--json")
	printed.WriteString(log)
	if strings.Contains(printed.String(), key) {
		t.Errorf("the key was printed:\n%s", printed.String())
	}
	if !strings.Contains(printed.String(), "[redacted]") {
		t.Errorf("the echoed key was not shown redacted anywhere; did the server's bodies reach the output?\n%s", printed.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "o.jsonl")); err != nil {
		t.Fatalf("the job did not complete: %v\n%s", err, printed.String())
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
