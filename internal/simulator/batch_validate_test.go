package simulator

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

// TestBatchValidationFails: a malformed input file fails the batch when its
// validation ends, with errors.data naming the code and line, as OpenAI's.
func TestBatchValidationFails(t *testing.T) {
	ok1, ok2 := chatLine("a", "gpt-4o-mini", "hello"), chatLine("b", "gpt-4o-mini", "world")
	tests := []struct {
		name, input, code, param string
		line                     int
	}{
		{"duplicate custom_id", ok1 + "\n" + chatLine("a", "gpt-4o-mini", "again"), "duplicate_custom_id", "custom_id", 2},
		{"method GET", ok1 + "\n" + strings.Replace(ok2, `"POST"`, `"GET"`, 1), "invalid_method", "method", 2},
		{"url of another endpoint", strings.Replace(ok1, "/v1/chat/completions", "/v1/embeddings", 1), "invalid_url", "url", 1},
		{"two models", ok1 + "\n" + chatLine("b", "gpt-4o", "x"), "mismatched_model", "body.model", 2},
		{"not JSON", ok1 + "\n\n{oops\n", "invalid_json_line", "", 3},
		{"no custom_id", strings.Replace(ok1, `"custom_id":"a"`, `"custom_id":""`, 1), "missing_required_parameter", "custom_id", 1},
		{"no body", `{"custom_id":"a","method":"POST","url":"/v1/chat/completions"}`, "missing_required_parameter", "body", 1},
		{"no model", `{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"messages":[]}}`,
			"missing_required_parameter", "body.model", 1},
		{"empty file", "\n", "empty_file", "", 0},
		{"too many lines", ok1 + "\n" + ok2 + "\n" + chatLine("c", "gpt-4o-mini", "!"), "too_many_requests", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sim := newBatchSim(t, BatchConfig{MaxLines: 2})
			b := sim.submit(t, tc.input, nil)
			if b.Status != statusValidating {
				t.Fatalf("created as %s, want validating", b.Status)
			}
			b = sim.get(t, b.ID)
			if b.Status != statusFailed || b.FailedAt == nil || b.Errors == nil || len(b.Errors.Data) == 0 {
				t.Fatalf("batch = %+v, want failed with errors", b)
			}
			e := b.Errors.Data[0]
			gotLine, gotParam := 0, ""
			if e.Line != nil {
				gotLine = *e.Line
			}
			if e.Param != nil {
				gotParam = *e.Param
			}
			if e.Code != tc.code || gotLine != tc.line || gotParam != tc.param || e.Message == "" {
				t.Fatalf("errors.data[0] = {%s %q param %q line %d}, want code %s param %q line %d",
					e.Code, e.Message, gotParam, gotLine, tc.code, tc.param, tc.line)
			}
			if st := sim.s.BatchStats(); st.LinesBilled != 0 || b.OutputFileID != nil || b.ErrorFileID != nil {
				t.Fatalf("a failed batch billed %d lines or wrote files", st.LinesBilled)
			}
		})
	}
}

// TestBatchBadBodyIsALineError: a body the chat endpoint refuses does not
// fail the batch; that line is answered 400 in the error file with the
// synchronous endpoint's error, the others are answered.
func TestBatchBadBodyIsALineError(t *testing.T) {
	sim := newBatchSim(t, BatchConfig{})
	bad := strings.Replace(chatLine("bad", "gpt-4o-mini", "x"), `"messages"`, `"temperature":5,"messages"`, 1)
	b := sim.get(t, sim.submit(t, chatLine("good", "gpt-4o-mini", "y")+"\n"+bad+"\n", nil).ID)
	if b.Status != statusCompleted || b.RequestCounts != (openai.BatchRequestCounts{Total: 2, Completed: 1, Failed: 1}) {
		t.Fatalf("batch = %+v, want completed with one failed line", b)
	}
	errs := sim.download(t, b.ErrorFileID)
	if len(errs) != 1 || errs[0].CustomID != "bad" || errs[0].Response.StatusCode != http.StatusBadRequest {
		t.Fatalf("error file = %+v", errs)
	}
	var lineErr, syncErr errBody
	_ = json.Unmarshal(errs[0].Response.Body, &lineErr)
	_ = json.Unmarshal(post(t, sim.s, chatPath, simpleBody("x", `"temperature":5`)).Body.Bytes(), &syncErr)
	if lineErr.Error.Message != syncErr.Error.Message || deref(lineErr.Error.Code) != "decimal_above_max_value" {
		t.Fatalf("line error %+v, sync error %+v", lineErr, syncErr)
	}
}

// TestBatchCreateRefusals: bad create requests are refused at once with
// OpenAI-shaped 4xx errors.
func TestBatchCreateRefusals(t *testing.T) {
	sim := newBatchSim(t, BatchConfig{})
	ctx := context.Background()
	batchFile, err := sim.c.CreateFileBytes(ctx, openai.FileBytesRequest{Name: "in.jsonl", Bytes: []byte(batchInput(1)), Purpose: openai.PurposeBatch})
	if err != nil {
		t.Fatal(err)
	}
	other, err := sim.c.CreateFileBytes(ctx, openai.FileBytesRequest{Name: "notes.txt", Bytes: []byte("hi"), Purpose: "user_data"})
	if err != nil {
		t.Fatal(err)
	}
	many := map[string]any{}
	for i := range 17 {
		many["k"+itoa(i)] = "v"
	}
	tests := []struct {
		name   string
		req    openai.CreateBatchRequest
		status int
	}{
		{"window 1h", openai.CreateBatchRequest{InputFileID: batchFile.ID, Endpoint: openai.BatchEndpointChatCompletions, CompletionWindow: "1h"}, 400},
		{"17 metadata pairs", openai.CreateBatchRequest{InputFileID: batchFile.ID, Endpoint: openai.BatchEndpointChatCompletions, Metadata: many}, 400},
		{"long metadata value", openai.CreateBatchRequest{InputFileID: batchFile.ID, Endpoint: openai.BatchEndpointChatCompletions,
			Metadata: map[string]any{"k": strings.Repeat("v", 513)}}, 400},
		{"metadata number", openai.CreateBatchRequest{InputFileID: batchFile.ID, Endpoint: openai.BatchEndpointChatCompletions,
			Metadata: map[string]any{"k": 1}}, 400},
		{"file of another purpose", openai.CreateBatchRequest{InputFileID: other.ID, Endpoint: openai.BatchEndpointChatCompletions}, 400},
		{"unknown file", openai.CreateBatchRequest{InputFileID: "file-nope", Endpoint: openai.BatchEndpointChatCompletions}, 404},
		{"no endpoint", openai.CreateBatchRequest{InputFileID: batchFile.ID}, 400},
	}
	for _, tc := range tests {
		_, err := sim.c.CreateBatch(ctx, tc.req)
		var apiErr *openai.APIError
		if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != tc.status || apiErr.Message == "" {
			t.Errorf("%s: %v, want an API error %d", tc.name, err, tc.status)
		}
	}
	if st := sim.s.BatchStats(); st.BatchesCreated != 0 {
		t.Fatalf("refused creates counted: %+v", st)
	}
}
