package simulator

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// batchWork holds a batch's answers, generated in the background from the
// moment it is in progress: one goroutine per batch (fanning out to
// GOMAXPROCS while it answers), which ends by itself
// after the last line, or early once the Server is released (Running.Close
// releases it) or halt is set (the batch failed or was cancelled before it
// ran), answering the rest 500 without generating them. lines and use are
// written only by that goroutine and read only after done is closed.
type batchWork struct {
	checked chan struct{} // closed once every line is checked and the batch's tokens summed
	done    chan struct{}
	halt    atomic.Bool
	lines   [][]byte    // per execution position: the output or error file line
	use     []lineUsage // per execution position
}

// lineUsage is one answered line's status and usage.
type lineUsage struct {
	status                        int
	prompt, completion, reasoning int64
}

// batchUsage is a batch's usage object (Responses-style field names, as the
// API sends for batches).
type batchUsage struct {
	InputTokens        int64 `json:"input_tokens"`
	InputTokensDetails struct {
		CachedTokens int64 `json:"cached_tokens"`
	} `json:"input_tokens_details"`
	OutputTokens        int64 `json:"output_tokens"`
	OutputTokensDetails struct {
		ReasoningTokens int64 `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
	TotalTokens int64 `json:"total_tokens"`
}

// outputLine is one line of an output or error file.
type outputLine struct {
	ID       string        `json:"id"`
	CustomID string        `json:"custom_id"`
	Response *lineResponse `json:"response"`
	Error    *lineError    `json:"error"`
}

type lineResponse struct {
	StatusCode int    `json:"status_code"`
	RequestID  string `json:"request_id"`
	Body       any    `json:"body"`
}

type lineError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// startWork checks b's lines and sums its prompt tokens (then closes
// checked), and generates its answers, created at (then closes done). Until
// checked is closed, b.lines and b.tokens belong to this goroutine; after,
// b.lines and b.content never change, so it reads them without a lock.
func (s *Server) startWork(b *batch, failShare float64, at time.Time) *batchWork {
	w := &batchWork{checked: make(chan struct{}), done: make(chan struct{}),
		lines: make([][]byte, len(b.lines)), use: make([]lineUsage, len(b.lines))}
	id, seed := b.id, strconv.FormatInt(s.cfg.Seed, 10)
	go func() {
		defer close(w.done)
		if !w.halt.Load() {
			parallel(len(b.lines), func(i int) { s.checkBatchLine(&b.lines[i], failShare, seed) })
			for _, l := range b.lines {
				b.tokens += l.prompt
			}
		}
		close(w.checked)
		parallel(len(b.lines), func(i int) {
			stop := w.halt.Load()
			select {
			case <-s.released:
				stop = true
			default:
			}
			w.lines[i], w.use[i] = s.answerLine(id, b.content, b.lines[i], at, stop)
		})
	}()
	return w
}

// answerLine answers one request line with the synchronous endpoint's
// reply logic, so the same body gets the same text and usage either way;
// a stopped server answers 500.
func (s *Server) answerLine(batchID string, content []byte, l batchLine, at time.Time, stopped bool) ([]byte, lineUsage) {
	ids := simID(s.cfg.Seed, "batch_req|"+batchID+"|"+l.customID, 0)
	out := outputLine{ID: "batch_req_" + ids, CustomID: l.customID,
		Response: &lineResponse{StatusCode: http.StatusInternalServerError, RequestID: "req_" + ids, Body: errorBody(errServer())}}
	use := lineUsage{status: http.StatusInternalServerError}
	switch {
	case stopped:
	case l.outcome == lineInvalid:
		out.Response.StatusCode, out.Response.Body = l.err.status, errorBody(l.err)
		use.status = l.err.status
	case l.outcome == lineOK:
		var in inputLine
		if json.Unmarshal(content[l.start:l.end], &in) != nil {
			break // validated at creation: cannot happen
		}
		req, e := parseChat(in.Body, "")
		if e != nil {
			break
		}
		resp := s.chatReply(req, l.prompt, l.limit, l.tries, "chatcmpl-"+ids, at)
		out.Response.StatusCode, out.Response.Body = http.StatusOK, resp
		use = lineUsage{http.StatusOK, l.prompt, resp.Usage.CompletionTokens, resp.Usage.CompletionTokensDetails.ReasoningTokens}
	}
	return marshalLine(out), use
}

func errorBody(e *apiError) any {
	return struct {
		Error *apiError `json:"error"`
	}{e}
}

func marshalLine(l outputLine) []byte {
	b, err := json.Marshal(l)
	if err != nil { // only plain types: cannot happen
		b = []byte(`{"id":"` + l.ID + `","custom_id":null,"response":null,"error":{"code":"server_error","message":"internal"}}`)
	}
	return append(b, '\n')
}

// materialise writes b's output and error files from its answered lines
// (the first b.done in execution order) and bills them; the lines never
// answered go to the error file as batch_expired or batch_cancelled.
// s.batch.mu must be held and b's work done.
func (s *Server) materialise(b *batch) {
	a := &s.batch
	at := b.endedAt()
	b.counts = requestCounts{Total: len(b.lines)}
	var out, errs [][]byte // the answers themselves, not copies
	for i := range b.done {
		l, use := b.lines[i], b.work.use[i]
		if use.status != http.StatusOK {
			errs = append(errs, b.work.lines[i])
			a.stats.LinesFailed++
			b.counts.Failed++
			continue
		}
		out = append(out, b.work.lines[i])
		a.stats.LinesBilled++
		b.counts.Completed++
		a.billed[l.customID]++
		if a.billed[l.customID] == 2 {
			a.stats.BilledTwice++
		}
		b.usage.InputTokens += use.prompt
		b.usage.OutputTokens += use.completion
		b.usage.OutputTokensDetails.ReasoningTokens += use.reasoning
	}
	b.usage.TotalTokens = b.usage.InputTokens + b.usage.OutputTokens
	a.stats.PromptTokens += b.usage.InputTokens
	a.stats.CompletionTokens += b.usage.OutputTokens
	unrun := &lineError{Code: "batch_cancelled", Message: "This request was not executed because the batch was cancelled."}
	if b.status == statusExpired {
		unrun = &lineError{Code: "batch_expired", Message: "This request could not be executed before the completion window expired."}
	}
	for _, l := range b.lines[b.done:] {
		errs = append(errs, marshalLine(outputLine{ID: "batch_req_" + simID(s.cfg.Seed, "batch_req|"+b.id+"|"+l.customID, 0),
			CustomID: l.customID, Error: unrun}))
		if b.status == statusExpired {
			a.stats.LinesExpired++
		} else {
			a.stats.LinesCancelled++
		}
	}
	if len(out) > 0 {
		b.outputFileID = a.addFile(s.cfg.Seed, b.id+"_output.jsonl", "batch_output", at, out).id
		a.stats.OutputFiles++
	}
	if len(errs) > 0 {
		b.errorFileID = a.addFile(s.cfg.Seed, b.id+"_error.jsonl", "batch_output", at, errs).id
		a.stats.OutputFiles++
	}
	b.work, b.materialised = nil, true // the answers now live in the files
}
