package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// TestFilesLifecycle uploads, lists, reads and deletes files with go-openai.
func TestFilesLifecycle(t *testing.T) {
	sim := newBatchSim(t, BatchConfig{})
	ctx := context.Background()
	content := []byte(batchInput(3))
	in, err := sim.c.CreateFileBytes(ctx, openai.FileBytesRequest{Name: "chunk-1.jsonl", Bytes: content, Purpose: openai.PurposeBatch})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(in.ID, "file-") || in.Object != "file" || in.Bytes != len(content) ||
		in.FileName != "chunk-1.jsonl" || in.Purpose != "batch" || in.Status != "processed" || in.CreatedAt == 0 {
		t.Fatalf("uploaded file = %+v", in)
	}
	notes, err := sim.c.CreateFileBytes(ctx, openai.FileBytesRequest{Name: "notes.txt", Bytes: []byte("x"), Purpose: "user_data"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := sim.c.GetFile(ctx, in.ID); err != nil || got.ID != in.ID || got.Bytes != in.Bytes {
		t.Fatalf("GetFile = %+v, %v", got, err)
	}
	raw, err := sim.c.GetFileContent(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(raw)
	_ = raw.Close()
	if !bytes.Equal(got, content) {
		t.Fatalf("content = %q, want the upload", got)
	}
	if list, err := sim.c.ListFiles(ctx); err != nil || len(list.Files) != 2 || list.Files[0].ID != notes.ID {
		t.Fatalf("ListFiles = %+v, %v; want both, newest first", list.Files, err)
	}
	var page struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	_ = json.Unmarshal(httptestGet(t, sim.s, "/v1/files?purpose=batch"), &page)
	if len(page.Data) != 1 || page.Data[0].ID != in.ID {
		t.Fatalf("purpose=batch lists %+v, want only %s", page.Data, in.ID)
	}
	if err := sim.c.DeleteFile(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	var apiErr *openai.APIError
	if _, err := sim.c.GetFile(ctx, in.ID); !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusNotFound {
		t.Fatalf("GetFile after delete: %v, want 404", err)
	}
	if err := sim.c.DeleteFile(ctx, in.ID); !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusNotFound {
		t.Fatalf("second delete: %v, want 404", err)
	}
	if st := sim.s.BatchStats(); st.FilesCreated != 2 || st.FilesDeleted != 1 {
		t.Fatalf("stats = %+v, want 2 created, 1 deleted", st)
	}
}

// multipartBody builds an upload body; an empty purpose or filename leaves
// that part out.
func multipartBody(purpose, filename string, content []byte) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if filename != "" { // the file first: the server must not depend on part order
		fw, _ := mw.CreateFormFile("file", filename)
		_, _ = fw.Write(content)
	}
	if purpose != "" {
		_ = mw.WriteField("purpose", purpose)
	}
	_ = mw.Close()
	return &buf, mw.FormDataContentType()
}

func TestFileUploadRefusals(t *testing.T) {
	s := New(Config{APIKey: "sk-right", Batch: BatchConfig{MaxFileBytes: 10}})
	tests := []struct {
		name, purpose, filename string
		content                 []byte
		key                     string
		status                  int
		code                    string
	}{
		{"ok", "batch", "a.jsonl", []byte("{}"), "sk-right", 200, ""},
		{"too large", "batch", "a.jsonl", bytes.Repeat([]byte("x"), 11), "sk-right", 400, "file_too_large"},
		{"no purpose", "", "a.jsonl", []byte("{}"), "sk-right", 400, "missing_required_parameter"},
		{"no file", "batch", "", nil, "sk-right", 400, "missing_required_parameter"},
		{"bad purpose", "homework", "a.jsonl", []byte("{}"), "sk-right", 400, "invalid_value"},
		{"wrong key", "batch", "a.jsonl", []byte("{}"), "sk-wrong", 401, "invalid_api_key"},
	}
	for _, tc := range tests {
		body, ctype := multipartBody(tc.purpose, tc.filename, tc.content)
		r := httptest.NewRequest(http.MethodPost, "/v1/files", body)
		r.Header.Set("Content-Type", ctype)
		r.Header.Set("Authorization", "Bearer "+tc.key)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != tc.status {
			t.Errorf("%s: status %d %s, want %d", tc.name, w.Code, w.Body, tc.status)
			continue
		}
		if tc.code != "" {
			if e := decodeErr(t, w); deref(e.Error.Code) != tc.code {
				t.Errorf("%s: code %s, want %s", tc.name, deref(e.Error.Code), tc.code)
			}
		}
	}
	if st := s.BatchStats(); st.FilesCreated != 1 {
		t.Fatalf("FilesCreated = %d, want only the accepted upload", st.FilesCreated)
	}
}

// TestFileGlitches: a file is "not found" by batch creation for UploadLag
// after its upload, and ContentErr502 of downloads answer an HTML 502 that
// a retry gets past.
func TestFileGlitches(t *testing.T) {
	sim := newBatchSim(t, BatchConfig{UploadLag: 2 * time.Second, ContentErr502: 0.5})
	ctx := context.Background()
	f, err := sim.c.CreateFileBytes(ctx, openai.FileBytesRequest{Name: "in.jsonl", Bytes: []byte(batchInput(2)), Purpose: openai.PurposeBatch})
	if err != nil {
		t.Fatal(err)
	}
	req := openai.CreateBatchRequest{InputFileID: f.ID, Endpoint: openai.BatchEndpointChatCompletions}
	var apiErr *openai.APIError
	if _, err := sim.c.CreateBatch(ctx, req); !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusNotFound {
		t.Fatalf("create right after upload: %v, want 404", err)
	}
	sim.clock.Advance(2 * time.Second)
	if _, err := sim.c.CreateBatch(ctx, req); err != nil {
		t.Fatalf("create after the lag: %v", err)
	}
	statuses := map[int]int{}
	for range 20 {
		statuses[httptestGetStatus(sim.s, "/v1/files/"+f.ID+"/content")]++
	}
	if statuses[http.StatusBadGateway] == 0 || statuses[http.StatusOK] == 0 || len(statuses) != 2 {
		t.Fatalf("20 downloads answered %v, want a mix of 200 and 502", statuses)
	}
}

func TestBatchAPIRoutes(t *testing.T) {
	s := New(Config{})
	tests := []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/v1/files", 200},
		{http.MethodGet, "/files", 200},
		{http.MethodGet, "/v1/batches/", 200},
		{http.MethodPut, "/v1/files", 405},
		{http.MethodDelete, "/v1/batches", 405},
		{http.MethodPost, "/v1/batches/batch_x", 405},
		{http.MethodGet, "/v1/batches/batch_x/cancel", 405},
		{http.MethodGet, "/v1/batches/batch_x", 404},
		{http.MethodGet, "/v1/files/file-x/cancel", 404},
		{http.MethodGet, "/v1/files/file-x/content", 404},
		{http.MethodGet, "/v1/batches/batch_x/cancel/more", 404},
	}
	for _, tc := range tests {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
		if w.Code != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, w.Code, tc.status)
		}
	}
}
