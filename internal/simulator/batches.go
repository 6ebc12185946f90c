package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// maxCreateBytes bounds a create-batch body (a few ids and the metadata).
const maxCreateBytes = 1 << 20

// createRequest is the body of POST /v1/batches.
type createRequest struct {
	InputFileID      string         `json:"input_file_id"`
	Endpoint         string         `json:"endpoint"`
	CompletionWindow string         `json:"completion_window"`
	Metadata         map[string]any `json:"metadata"`
}

// createBatch answers POST /v1/batches. It checks the input file's
// structure before answering (a fraction of a second for 50,000 lines);
// the rest (token counts, answers) runs in the background, and a
// validation failure is revealed when the batch's validation phase ends.
func (s *Server) createBatch(w http.ResponseWriter, r *http.Request) {
	cfg := s.cfg.Batch.withDefaults()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCreateBytes))
	var req createRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err != nil || dec.Decode(&req) != nil {
		s.writeError(w, limitState{}, "", invalid("We could not parse the JSON body of your request.", "", ""))
		return
	}
	md, e := checkMetadata(req.Metadata)
	switch {
	case e != nil:
	case req.InputFileID == "":
		e = invalid("Missing required parameter: 'input_file_id'.", "input_file_id", "missing_required_parameter")
	case req.Endpoint == "":
		e = invalid("Missing required parameter: 'endpoint'.", "endpoint", "missing_required_parameter")
	case req.Endpoint != "/v1/chat/completions":
		e = invalid(fmt.Sprintf("Invalid value for 'endpoint': '%s'. The simulator serves batches for "+
			"'/v1/chat/completions' only.", req.Endpoint), "endpoint", "invalid_value")
	case req.CompletionWindow != "24h":
		e = invalid(fmt.Sprintf("Invalid value for 'completion_window': '%s'. Supported values are: '24h'.",
			req.CompletionWindow), "completion_window", "invalid_value")
	}
	if e != nil {
		s.writeError(w, limitState{}, "", e)
		return
	}
	a := &s.batch
	a.mu.Lock()
	a.init()
	f, ok := a.file(req.InputFileID)
	a.mu.Unlock()
	switch {
	case !ok || s.cfg.Now().Before(f.created.Add(cfg.UploadLag)):
		s.writeError(w, limitState{}, "", errNoFile(req.InputFileID))
		return
	case f.purpose != "batch":
		s.writeError(w, limitState{}, "", invalid(fmt.Sprintf("Invalid 'input_file_id': %s has purpose '%s'; a batch "+
			"input file must have purpose 'batch'.", f.id, f.purpose), "input_file_id", "invalid_value"))
		return
	}
	p := s.parseBatchInput(f.content(), req.Endpoint, cfg.MaxLines) // the slow part, outside the lock
	now := s.cfg.Now()
	a.mu.Lock()
	b := s.newBatch(cfg, p, f, req.Endpoint, md, now)
	obj := b.object(cfg, now)
	a.mu.Unlock()
	writeJSON(w, http.StatusOK, obj)
}

// newBatch registers a validating batch for p; s.batch.mu must be held.
// Each line learns here how many batches have carried its custom_id (its
// 500 draw depends on it), and the lines are shuffled into execution order.
func (s *Server) newBatch(cfg BatchConfig, p parsedInput, f *storedFile, endpoint string, md map[string]string, now time.Time) *batch {
	a := &s.batch
	a.nextBatch++
	seed := strconv.FormatInt(s.cfg.Seed, 10)
	b := &batch{seq: a.nextBatch, id: "batch_" + simID(s.cfg.Seed, "batch", a.nextBatch), inputFileID: f.id,
		endpoint: endpoint, model: p.model, metadata: md, content: f.content(), lines: p.lines,
		valErrs: p.errs, status: statusValidating, createdAt: now, expiresAt: now.Add(cfg.Window)}
	switch u := unitDraw(b.id, "fate|"+seed); {
	case cfg.Fate != nil:
		b.fate = cfg.Fate(int(b.seq))
	case u < cfg.ExpireShare:
		b.fate = FateExpire
	case u < cfg.ExpireShare+cfg.NeverFinishShare:
		b.fate = FateNeverFinish
	}
	if len(b.valErrs) == 0 {
		for i := range b.lines {
			l := &b.lines[i]
			a.carried[l.customID]++
			l.tries = a.carried[l.customID]
		}
		rng(b.id, "shuffle|"+seed).Shuffle(len(b.lines), func(i, j int) { b.lines[i], b.lines[j] = b.lines[j], b.lines[i] })
		// Checking and answering start now, in the background, so the
		// create call returns at once and a late first poll waits less.
		b.work = s.startWork(b, cfg.FailShare, now.Add(cfg.ValidateFor))
	}
	a.batches = append(a.batches, b)
	a.byID[b.id] = b
	a.stats.BatchesCreated++
	return b
}

// retrieveBatch answers GET /v1/batches/{id}.
func (s *Server) retrieveBatch(w http.ResponseWriter, r *http.Request, id string) {
	now := s.cfg.Now()
	var obj *batchObject
	err := s.settle(r.Context(), now, func() {
		if b, ok := s.batch.byID[id]; ok {
			o := b.object(s.cfg.Batch.withDefaults(), now)
			obj = &o
		}
	})
	switch {
	case err != nil:
		return // the client went away
	case obj == nil:
		s.writeError(w, limitState{}, "", errNoBatch(id))
	default:
		writeJSON(w, http.StatusOK, obj)
	}
}

// listBatches answers GET /v1/batches?after=&limit=, newest first; limit
// is 1 to 100, default 20.
func (s *Server) listBatches(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, e := pageLimit(q.Get("limit"), 20, 100)
	if e != nil {
		s.writeError(w, limitState{}, "", e)
		return
	}
	now := s.cfg.Now()
	cfg := s.cfg.Batch.withDefaults()
	var all []batchObject
	if s.settle(r.Context(), now, func() {
		for i := len(s.batch.batches) - 1; i >= 0; i-- {
			all = append(all, s.batch.batches[i].object(cfg, now))
		}
	}) != nil {
		return
	}
	writeJSON(w, http.StatusOK, paginate(all, func(o batchObject) string { return o.ID }, q.Get("after"), limit))
}

// cancelBatch answers POST /v1/batches/{id}/cancel: a validating or
// in-progress batch moves to cancelling (and to cancelled CancelFor later,
// with the lines answered by then in its output file); cancelling an
// already cancelling or cancelled batch changes nothing; any other status
// is refused.
func (s *Server) cancelBatch(w http.ResponseWriter, r *http.Request, id string) {
	now := s.cfg.Now()
	var obj *batchObject
	var e *apiError
	if s.settle(r.Context(), now, func() {
		b, ok := s.batch.byID[id]
		if !ok {
			e = errNoBatch(id)
			return
		}
		switch b.status {
		case statusValidating:
			b.status, b.cancellingAt = statusCancelling, now
			b.work.halt.Store(true) // nothing will have run
			s.batch.stats.BatchesCancelled++
		case statusInProgress:
			b.status, b.cancellingAt = statusCancelling, now
			s.batch.stats.BatchesCancelled++
		case statusCancelling, statusCancelled:
		default:
			e = invalid(fmt.Sprintf("Cannot cancel a batch with status '%s'.", b.status), "", "")
			return
		}
		o := b.object(s.cfg.Batch.withDefaults(), now)
		obj = &o
	}) != nil {
		return
	}
	if e != nil {
		s.writeError(w, limitState{}, "", e)
		return
	}
	writeJSON(w, http.StatusOK, obj)
}
