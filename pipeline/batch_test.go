package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// lockedBuffer is a request log the simulator may write from many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// writeBatchInput writes n Batch API request lines over several models,
// some with temperature 0, and returns the bodies by custom_id.
func writeBatchInput(t *testing.T, dir string, n int, extra ...string) (string, map[string]json.RawMessage) {
	t.Helper()
	models := []string{"gpt-4o-mini", "gpt-4.1-nano", "o4-mini", "gpt-3.5-turbo"}
	bodies := map[string]json.RawMessage{}
	var b strings.Builder
	for i := range n {
		body := map[string]any{
			"model":    models[i%len(models)],
			"messages": []any{map[string]any{"role": "system", "content": "Be brief."}, map[string]any{"role": "user", "content": fmt.Sprintf("req-%d: %s", i, messy(i))}},
		}
		if i%3 == 0 {
			body["temperature"] = 0
		}
		if i%5 == 0 {
			body["max_completion_tokens"] = 40
		}
		raw, _ := json.Marshal(body)
		id := fmt.Sprintf("req-%d", i)
		bodies[id] = raw
		line, _ := json.Marshal(map[string]any{"custom_id": id, "method": "POST", "url": "/v1/chat/completions", "body": json.RawMessage(raw)})
		b.Write(line)
		b.WriteByte('\n')
	}
	for _, x := range extra {
		b.WriteString(x + "\n")
	}
	path := filepath.Join(dir, "requests.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, bodies
}

func TestBatchInputRunsEveryRequestOnceAsGiven(t *testing.T) {
	n := 5000
	if raceDetector {
		n = 1000
	}
	var log lockedBuffer
	e := newEnv(t, simulator.Config{RequestLog: &log})
	in, bodies := writeBatchInput(t, e.dir, n,
		`{"custom_id":"bad-1","method":"POST","url":"/v1/chat/completions","body":`, // malformed line
		`{"custom_id":"emb-1","method":"POST","url":"/v1/embeddings","body":{"model":"text-embedding-3-small","input":"x"}}`)
	job := Job{Input: in, Outputs: []string{filepath.Join(e.dir, "out.batch.jsonl"), filepath.Join(e.dir, "out.jsonl")},
		Model: "gpt-4o-mini", State: filepath.Join(e.dir, "s.db")}
	opt := e.opts()
	opt.Concurrency = 64
	s, err := Run(context.Background(), job, opt)
	if err != nil {
		t.Fatal(err)
	}
	// The malformed line is an error row; the embeddings line is answered
	// as given (issue 17).
	if s.Stop != Completed || s.OK != int64(n)+1 || s.Failed != 1 {
		t.Fatalf("stop=%v ok=%d failed=%d err=%v kinds=%+v", s.Stop, s.OK, s.Failed, s.Err, s.ErrorKinds)
	}

	// Every body the simulator received equals its line's body, in meaning.
	e.sim.Close()
	sc := bufio.NewScanner(bytes.NewReader(log.b.Bytes()))
	sc.Buffer(nil, 1<<20)
	received := 0
	for sc.Scan() {
		var entry struct{ Body json.RawMessage }
		if err := json.Unmarshal(sc.Bytes(), &entry); err != nil {
			t.Fatal(err)
		}
		var sent map[string]any
		json.Unmarshal(entry.Body, &sent)
		msgs, chat := sent["messages"].([]any)
		if !chat {
			continue // the embeddings line
		}
		id := strings.SplitN(msgs[1].(map[string]any)["content"].(string), ":", 2)[0]
		var want map[string]any
		json.Unmarshal(bodies[id], &want)
		if !reflect.DeepEqual(sent, want) {
			t.Fatalf("%s: sent %s, the line's body is %s", id, entry.Body, bodies[id])
		}
		received++
	}
	if received != n {
		t.Fatalf("simulator received %d requests, want %d", received, n)
	}

	// The batch output: every custom_id once, in input order, each answer
	// for its own request, usage kept; totals equal the sum over bodies.
	data, _ := os.ReadFile(job.Outputs[0])
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != n+2 {
		t.Fatalf("%d output lines, want %d", len(lines), n+2)
	}
	var prompt, completion int64
	for i, l := range lines[:n] {
		var out struct {
			CustomID string `json:"custom_id"`
			Response struct {
				StatusCode int `json:"status_code"`
				Body       struct {
					Model   string
					Choices []struct {
						Message      struct{ Content string }
						FinishReason string `json:"finish_reason"`
					}
					Usage struct {
						PromptTokens     int64 `json:"prompt_tokens"`
						CompletionTokens int64 `json:"completion_tokens"`
					} `json:"usage"`
				}
			}
			Error any
		}
		if err := json.Unmarshal([]byte(l), &out); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		id := fmt.Sprintf("req-%d", i)
		if out.CustomID != id || out.Response.StatusCode != 200 || out.Error != nil {
			t.Fatalf("line %d: %s", i+1, l)
		}
		// An answer cut by its cap (a reasoning model capped at 40 tokens may
		// think until the cap) may not reach the quote; every other answer
		// quotes its request.
		ch := out.Response.Body.Choices[0]
		if ch.FinishReason == "stop" && !strings.Contains(ch.Message.Content, id+":") {
			t.Fatalf("line %d: answer %q is not for %s", i+1, ch.Message.Content, id)
		}
		prompt += out.Response.Body.Usage.PromptTokens
		completion += out.Response.Body.Usage.CompletionTokens
	}
	var emb struct {
		Response struct {
			StatusCode int `json:"status_code"`
			Body       struct {
				Object string
				Usage  struct {
					PromptTokens int64 `json:"prompt_tokens"`
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(lines[n+1]), &emb); err != nil || emb.Response.StatusCode != 200 || emb.Response.Body.Object != "list" {
		t.Fatalf("the embeddings line's output %s (%v): want its embeddings answer", lines[n+1], err)
	}
	prompt += emb.Response.Body.Usage.PromptTokens
	if prompt != s.PromptTokens || completion != s.CompletionTokens || prompt == 0 {
		t.Fatalf("usage in the output %d/%d, summary %d/%d", prompt, completion, s.PromptTokens, s.CompletionTokens)
	}
	if l := lines[n]; !strings.Contains(l, `"response":null`) || !strings.Contains(l, `"code":"parse"`) || !strings.Contains(l, fmt.Sprintf("requests.jsonl:%d", n+1)) {
		t.Errorf("error line %d: %s", n+1, l)
	}
	// The plain JSONL output names the rows by custom_id.
	rows := readJSONL(t, job.Outputs[1])
	if rows[6]["custom_id"] != "req-6" || rows[6]["model"] != "o4-mini" {
		t.Fatalf("jsonl row 6: %v", rows[6])
	}
}

func TestBatchInputDuplicateCustomID(t *testing.T) {
	e := newEnv(t, simulator.Config{})
	in, _ := writeBatchInput(t, e.dir, 10, `{"custom_id":"req-3","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"again"}]}}`)
	job := Job{Input: in, Outputs: []string{filepath.Join(e.dir, "out.batch.jsonl")}, Model: "gpt-4o-mini", State: filepath.Join(e.dir, "s.db")}
	s, err := Run(context.Background(), job, e.opts())
	if err != nil {
		t.Fatal(err)
	}
	if s.OK != 10 || s.Failed != 1 || e.sim.Stats().Requests != 10 {
		t.Fatalf("ok %d failed %d sent %d", s.OK, s.Failed, e.sim.Stats().Requests)
	}
	data, _ := os.ReadFile(job.Outputs[0])
	if !strings.Contains(string(data), `duplicate id \"req-3\" (first at `) || !strings.Contains(string(data), "requests.jsonl:4") || !strings.Contains(string(data), "requests.jsonl:11") {
		t.Fatalf("the duplicate must name both lines:\n%s", data)
	}
}
