package simulator

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// storedFile is one file of the simulated Files API. Its content, kept as
// the chunks it was made of (an upload is one chunk; an output file is its
// lines, never concatenated, so it costs no second copy), is never modified
// after creation, so a batch may keep reading it after a delete.
type storedFile struct {
	id, filename, purpose string
	created               time.Time
	chunks                [][]byte
	size                  int64
	deleted               bool
	downloads             int64 // content requests so far, for the 502 draw
}

// fileObject is OpenAI's file object, explicit nulls included.
type fileObject struct {
	ID            string  `json:"id"`
	Object        string  `json:"object"`
	Bytes         int64   `json:"bytes"`
	CreatedAt     int64   `json:"created_at"`
	ExpiresAt     *int64  `json:"expires_at"`
	Filename      string  `json:"filename"`
	Purpose       string  `json:"purpose"`
	Status        string  `json:"status"`
	StatusDetails *string `json:"status_details"`
}

func (f *storedFile) object() fileObject {
	return fileObject{ID: f.id, Object: "file", Bytes: f.size, CreatedAt: f.created.Unix(),
		Filename: f.filename, Purpose: f.purpose, Status: "processed"}
}

// validPurpose reports whether POST /v1/files accepts purpose.
func validPurpose(purpose string) bool {
	switch purpose {
	case "batch", "fine-tune", "assistants", "vision", "user_data", "evals":
		return true
	}
	return false
}

// maxPurposeBytes bounds the purpose form field.
const maxPurposeBytes = 64

// uploadFile answers POST /v1/files. It reads the multipart body as a
// stream, part by part, holding at most MaxFileBytes of file content (plus
// the buffer's growth slack) in memory.
func (s *Server) uploadFile(w http.ResponseWriter, r *http.Request) {
	cfg := s.cfg.Batch.withDefaults()
	r.Body = http.MaxBytesReader(w, r.Body, cfg.MaxFileBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		s.writeError(w, limitState{}, "", invalid("Expected a multipart/form-data body with 'file' and 'purpose'.", "", ""))
		return
	}
	var purpose, filename string
	var content *bytes.Buffer
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			s.writeError(w, limitState{}, "", invalid(fmt.Sprintf("Could not read the multipart body: %v", err), "", ""))
			return
		}
		switch part.FormName() {
		case "purpose":
			b, err := io.ReadAll(io.LimitReader(part, maxPurposeBytes))
			if err != nil {
				s.writeError(w, limitState{}, "", invalid(fmt.Sprintf("Could not read 'purpose': %v", err), "purpose", ""))
				return
			}
			purpose = string(b)
		case "file":
			filename, content = part.FileName(), new(bytes.Buffer)
			if r.ContentLength > 0 { // one allocation instead of doubling as it grows
				content.Grow(int(min(r.ContentLength, cfg.MaxFileBytes+1)))
			}
			n, err := io.Copy(content, io.LimitReader(part, cfg.MaxFileBytes+1))
			if err != nil {
				s.writeError(w, limitState{}, "", invalid(fmt.Sprintf("Could not read 'file': %v", err), "file", ""))
				return
			}
			if n > cfg.MaxFileBytes {
				s.writeError(w, limitState{}, "", invalid(fmt.Sprintf("File is too large: the maximum is %d bytes.", cfg.MaxFileBytes), "file", "file_too_large"))
				return
			}
		}
		_ = part.Close()
	}
	switch {
	case content == nil:
		s.writeError(w, limitState{}, "", invalid("Missing required parameter: 'file'.", "file", "missing_required_parameter"))
	case purpose == "":
		s.writeError(w, limitState{}, "", invalid("Missing required parameter: 'purpose'.", "purpose", "missing_required_parameter"))
	case !validPurpose(purpose):
		s.writeError(w, limitState{}, "", invalid(fmt.Sprintf("Invalid value for 'purpose': '%s'. Supported values are: "+
			"'assistants', 'batch', 'fine-tune', 'vision', 'user_data' and 'evals'.", purpose), "purpose", "invalid_value"))
	default:
		if filename == "" {
			filename = "upload"
		}
		a := &s.batch
		a.mu.Lock()
		f := a.addFile(s.cfg.Seed, filename, purpose, s.cfg.Now(), [][]byte{content.Bytes()})
		a.stats.FilesCreated++
		obj := f.object()
		a.mu.Unlock()
		writeJSON(w, http.StatusOK, obj)
	}
}

// addFile stores a new file; a.mu must be held.
func (a *batchAPI) addFile(seed int64, filename, purpose string, now time.Time, chunks [][]byte) *storedFile {
	a.init()
	a.nextFile++
	f := &storedFile{id: "file-" + simID(seed, "file", a.nextFile), filename: filename, purpose: purpose,
		created: now, chunks: chunks}
	for _, c := range chunks {
		f.size += int64(len(c))
	}
	a.files[f.id] = f
	a.fileList = append(a.fileList, f)
	return f
}

// file returns the live file id; a.mu must be held.
func (a *batchAPI) file(id string) (*storedFile, bool) {
	f, ok := a.files[id]
	return f, ok && !f.deleted
}

func errNoFile(id string) *apiError {
	return &apiError{status: http.StatusNotFound, Message: "No such File object: " + id,
		Type: "invalid_request_error", Param: strp("id")}
}

// listFiles answers GET /v1/files: newest first unless order=asc,
// filtered by purpose, paginated with after and limit (default and
// maximum 10,000).
func (s *Server) listFiles(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, e := pageLimit(q.Get("limit"), 10_000, 10_000)
	if e != nil {
		s.writeError(w, limitState{}, "", e)
		return
	}
	a := &s.batch
	a.mu.Lock()
	var all []fileObject
	for _, f := range a.fileList {
		if !f.deleted && (q.Get("purpose") == "" || q.Get("purpose") == f.purpose) {
			all = append(all, f.object())
		}
	}
	a.mu.Unlock()
	if q.Get("order") != "asc" {
		slices.Reverse(all)
	}
	writeJSON(w, http.StatusOK, paginate(all, func(f fileObject) string { return f.ID }, q.Get("after"), limit))
}

// serveFile answers GET and DELETE /v1/files/{id} and GET
// /v1/files/{id}/content.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, id string, content bool) {
	a := &s.batch
	a.mu.Lock()
	f, ok := a.file(id)
	if ok && r.Method == http.MethodDelete && !content {
		f.deleted = true
		a.stats.FilesDeleted++
	}
	glitch := false
	if ok && content && s.cfg.Batch.ContentErr502 > 0 {
		f.downloads++
		glitch = unitDraw(f.id, "content502|"+strconv.FormatInt(f.downloads, 10)+"|"+strconv.FormatInt(s.cfg.Seed, 10)) < s.cfg.Batch.ContentErr502
	}
	a.mu.Unlock()
	switch {
	case !ok:
		s.writeError(w, limitState{}, "", errNoFile(id))
	case glitch && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, badGatewayHTML)
	case content && r.Method == http.MethodGet:
		h := w.Header()
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Length", strconv.FormatInt(f.size, 10))
		w.WriteHeader(http.StatusOK)
		for _, c := range f.chunks { // streamed as stored, never re-buffered
			if _, err := w.Write(c); err != nil {
				return // the client went away
			}
		}
	case !content && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, f.object())
	case !content && r.Method == http.MethodDelete:
		writeJSON(w, http.StatusOK, struct {
			ID      string `json:"id"`
			Object  string `json:"object"`
			Deleted bool   `json:"deleted"`
		}{id, "file", true})
	default:
		s.writeError(w, limitState{}, "", errMethod(r.Method, r.URL.Path))
	}
}

// content returns f's bytes as one slice: the upload itself for an
// uploaded file (one chunk), without copying.
func (f *storedFile) content() []byte {
	switch len(f.chunks) {
	case 0:
		return nil
	case 1:
		return f.chunks[0]
	}
	return bytes.Join(f.chunks, nil)
}
