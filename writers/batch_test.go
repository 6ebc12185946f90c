package writers

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestBatchFormat(t *testing.T) {
	if f, err := FormatFromPath("out/results.BATCH.jsonl"); err != nil || f != "openai-batch" {
		t.Fatalf("FormatFromPath = %q, %v", f, err)
	}
	var buf bytes.Buffer
	w, err := New("openai-batch", &buf, Schema{IDColumn: "custom_id"})
	if err != nil {
		t.Fatal(err)
	}
	rows := []Row{
		{ID: "req-1", HTTPStatus: 200, RequestID: "req_abc", ResponseBody: []byte(`{"id": "chatcmpl-1", "usage": {"prompt_tokens": 9}}`)},
		{ID: "req-2", HTTPStatus: 400, ResponseBody: []byte(`{"error":{"message":"bad","type":"invalid_request_error","code":null}}`), Error: "HTTP 400: bad", ErrorKind: "http_400"},
		{ID: "req-3", HTTPStatus: 502, ResponseBody: []byte("<html>bad gateway</html>"), Error: "HTTP 502", ErrorKind: "server_error"},
		{ID: "req-4", Error: "in.jsonl:4: url /v1/embeddings is not supported", ErrorKind: "unsupported_url"},
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines", len(lines))
	}
	type line struct {
		ID       string `json:"id"`
		CustomID string `json:"custom_id"`
		Response *struct {
			StatusCode int             `json:"status_code"`
			RequestID  string          `json:"request_id"`
			Body       json.RawMessage `json:"body"`
		} `json:"response"`
		Error *struct{ Code, Message string } `json:"error"`
	}
	var got []line
	for _, l := range lines {
		var x line
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		got = append(got, x)
	}
	if got[0].CustomID != "req-1" || !strings.HasPrefix(got[0].ID, "batch_req_") || got[0].Response.StatusCode != 200 ||
		got[0].Response.RequestID != "req_abc" || string(got[0].Response.Body) != `{"id":"chatcmpl-1","usage":{"prompt_tokens":9}}` || got[0].Error != nil {
		t.Errorf("line 1: %s", lines[0])
	}
	if got[1].Response.StatusCode != 400 || !strings.Contains(string(got[1].Response.Body), "invalid_request_error") || got[1].Error != nil {
		t.Errorf("line 2: %s", lines[1])
	}
	if string(got[2].Response.Body) != `"\u003chtml\u003ebad gateway\u003c/html\u003e"` && string(got[2].Response.Body) != `"<html>bad gateway</html>"` {
		t.Errorf("line 3 keeps a non-JSON body as a string: %s", lines[2])
	}
	if got[3].Response != nil || got[3].Error == nil || got[3].Error.Code != "unsupported_url" || !strings.Contains(got[3].Error.Message, "in.jsonl:4") {
		t.Errorf("line 4: %s", lines[3])
	}
	// A golden value: the id must not change between runs or releases.
	if got, want := batchRequestID("x"), "batch_req_2d711642b726b04401627ca9"; got != want {
		t.Errorf("batchRequestID(x) = %s, want %s (stable per custom_id)", got, want)
	}
	if batchRequestID("x") == batchRequestID("y") {
		t.Error("different custom_ids must get different line ids")
	}
}
