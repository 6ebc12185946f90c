package batchapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// Endpoint says where the Files and Batches APIs are and how to
// authenticate. The key is sent as a bearer token and never logged.
type Endpoint struct {
	BaseURL            string // e.g. https://api.openai.com/v1
	APIKey             string
	OrgID, ProjectID   string
	HTTPClient         *http.Client // nil: http.DefaultClient
	MetadataJob        string       // a human name for the job, put in each batch's metadata
	MaxListBatchesPage int          // GET /v1/batches page size; 0: 100
}

// API calls the Files and Batches APIs. It uses go-openai for every call
// but the upload: go-openai's CreateFile and UploadBatchFile build the
// whole multipart body in memory (up to 200 MB a file), so Upload streams
// it from disk instead. It makes one HTTP request per call; retrying is
// the caller's (see Transient).
type API struct {
	ep Endpoint
	oa *openai.Client
	hc *http.Client
}

// NewAPI returns a client for ep.
func NewAPI(ep Endpoint) *API {
	cfg := openai.DefaultConfig(ep.APIKey)
	cfg.BaseURL = strings.TrimRight(ep.BaseURL, "/")
	cfg.OrgID = ep.OrgID
	hc := ep.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	cfg.HTTPClient = projectDoer{hc, ep.ProjectID}
	if ep.MaxListBatchesPage <= 0 {
		ep.MaxListBatchesPage = 100
	}
	return &API{ep: ep, oa: openai.NewClientWithConfig(cfg), hc: hc}
}

// projectDoer adds the OpenAI-Project header, which go-openai does not set.
type projectDoer struct {
	hc      *http.Client
	project string
}

func (d projectDoer) Do(req *http.Request) (*http.Response, error) {
	if d.project != "" {
		req.Header.Set("OpenAI-Project", d.project)
	}
	return d.hc.Do(req)
}

// StatusError is a non-2xx answer to an upload.
type StatusError struct {
	Status int
	Body   string
}

func (e *StatusError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.Status, e.Body) }

// Upload streams the file at path to POST /files with purpose "batch"
// under name, and returns the new file's id. Memory stays bounded by the
// pipe's buffer whatever the file's size.
func (a *API) Upload(ctx context.Context, path, name string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("upload %s: %w", filepath.Base(path), err)
	}
	defer f.Close()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := mw.WriteField("purpose", "batch")
		if err == nil {
			var part io.Writer
			if part, err = mw.CreateFormFile("file", name); err == nil {
				if _, err = io.Copy(part, f); err == nil {
					err = mw.Close()
				}
			}
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(a.ep.BaseURL, "/")+"/files", pr)
	if err != nil {
		pr.Close()
		return "", fmt.Errorf("upload %s: %w", name, err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+a.ep.APIKey)
	if a.ep.OrgID != "" {
		req.Header.Set("OpenAI-Organization", a.ep.OrgID)
	}
	resp, err := projectDoer{a.hc, a.ep.ProjectID}.Do(req)
	pr.Close()
	if err != nil {
		return "", fmt.Errorf("upload %s: %w", name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("upload %s: %w", name, err)
	}
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("upload %s: %w", name, &StatusError{Status: resp.StatusCode, Body: strings.TrimSpace(string(body))})
	}
	var file openai.File
	if err := jsonUnmarshal(body, &file); err != nil || file.ID == "" {
		return "", fmt.Errorf("upload %s: an answer without a file id: %.200s", name, body)
	}
	return file.ID, nil
}

// Create creates a 24-hour chat completions batch from fileID.
func (a *API) Create(ctx context.Context, fileID string, md map[string]any) (openai.Batch, error) {
	r, err := a.oa.CreateBatch(ctx, openai.CreateBatchRequest{InputFileID: fileID,
		Endpoint: openai.BatchEndpointChatCompletions, CompletionWindow: "24h", Metadata: md})
	if err != nil {
		return openai.Batch{}, fmt.Errorf("create batch from %s: %w", fileID, err)
	}
	return r.Batch, nil
}

// Retrieve reads batch id.
func (a *API) Retrieve(ctx context.Context, id string) (openai.Batch, error) {
	r, err := a.oa.RetrieveBatch(ctx, id)
	if err != nil {
		return openai.Batch{}, fmt.Errorf("poll batch %s: %w", id, err)
	}
	return r.Batch, nil
}

// Cancel asks the API to cancel batch id; it answers at once, with the
// batch cancelling.
func (a *API) Cancel(ctx context.Context, id string) (openai.Batch, error) {
	r, err := a.oa.CancelBatch(ctx, id)
	if err != nil {
		return openai.Batch{}, fmt.Errorf("cancel batch %s: %w", id, err)
	}
	return r.Batch, nil
}

// FindBatch pages through the batches, newest first, for one match
// accepts, stopping at batches created before since (Unix seconds): the
// way back to a batch whose creation was not recorded before a crash.
func (a *API) FindBatch(ctx context.Context, since int64, match func(openai.Batch) bool) (openai.Batch, bool, error) {
	var after *string
	limit := a.ep.MaxListBatchesPage
	for {
		page, err := a.oa.ListBatch(ctx, after, &limit)
		if err != nil {
			return openai.Batch{}, false, fmt.Errorf("list batches: %w", err)
		}
		for _, b := range page.Data {
			if match(b) {
				return b, true, nil
			}
			if int64(b.CreatedAt) < since {
				return openai.Batch{}, false, nil
			}
		}
		if !page.HasMore || len(page.Data) == 0 {
			return openai.Batch{}, false, nil
		}
		last := page.Data[len(page.Data)-1].ID
		after = &last
	}
}

// FindFile returns the id of the batch-purpose file called name, if any:
// the way back to an upload whose id was not recorded before a crash.
func (a *API) FindFile(ctx context.Context, name string) (string, bool, error) {
	list, err := a.oa.ListFiles(ctx)
	if err != nil {
		return "", false, fmt.Errorf("list files: %w", err)
	}
	for _, f := range list.Files {
		if f.FileName == name && f.Purpose == string(openai.PurposeBatch) {
			return f.ID, true, nil
		}
	}
	return "", false, nil
}

// Delete deletes file id; a file already gone is not an error.
func (a *API) Delete(ctx context.Context, id string) error {
	if err := a.oa.DeleteFile(ctx, id); err != nil && Status(err) != http.StatusNotFound {
		return fmt.Errorf("delete file %s: %w", id, err)
	}
	return nil
}

// Content opens file id's content as a stream; the caller closes it.
func (a *API) Content(ctx context.Context, id string) (io.ReadCloser, error) {
	r, err := a.oa.GetFileContent(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("download file %s: %w", id, err)
	}
	return r.ReadCloser, nil
}

// Status returns the HTTP status of a failed call, 0 when none arrived.
func Status(err error) int {
	var ae *openai.APIError
	var re *openai.RequestError
	var se *StatusError
	switch {
	case errors.As(err, &ae):
		return ae.HTTPStatusCode
	case errors.As(err, &re):
		return re.HTTPStatusCode
	case errors.As(err, &se):
		return se.Status
	}
	return 0
}

// Transient reports whether a failed call may succeed if repeated: no
// answer at all, 408, 409, 429 (but not for lack of credit) and 5xx.
func Transient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ae *openai.APIError
	if errors.As(err, &ae) && ae.Code == "insufficient_quota" {
		return false
	}
	switch s := Status(err); {
	case s == 0, s == 408, s == 409, s == 429, s >= 500:
		return true
	}
	return false
}
