package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// lineOutcome is how a request line will be answered once it runs.
type lineOutcome uint8

const (
	lineOK      lineOutcome = iota // 200, billed
	lineInvalid                    // 4xx with the synchronous endpoint's error body
	line500                        // injected server error (FailShare)
)

// batchLine is one request line of a batch input file.
type batchLine struct {
	customID   string
	number     int             // 1-based line number in the input file
	start, end int             // the line's bytes in the input content
	hash       string          // the body's canonical hash ("" when the body is invalid)
	prompt     int64           // prompt tokens, when answerable
	limit      int64           // output cap, when answerable
	tries      int64           // batches that carried this custom_id, this one included
	body       json.RawMessage // until the line is checked
	outcome    lineOutcome
	err        *apiError // the answer when outcome is lineInvalid
}

// batchError is one entry of a batch's errors.data.
type batchError struct {
	Code    string  `json:"code"`
	Message string  `json:"message"`
	Param   *string `json:"param"`
	Line    *int    `json:"line"`
}

// maxBatchErrors bounds errors.data, as one bad file could list every line.
const maxBatchErrors = 100

// inputLine is the envelope of a batch input line.
type inputLine struct {
	CustomID *string         `json:"custom_id"`
	Method   string          `json:"method"`
	URL      string          `json:"url"`
	Body     json.RawMessage `json:"body"`
}

// parsedInput is the result of validating a batch input file.
type parsedInput struct {
	lines []batchLine
	model string
	errs  []batchError
}

// parseBatchInput validates content as a batch input file for endpoint,
// as the API does while a batch is validating: every line a JSON object
// with a unique custom_id, method POST, url equal to endpoint, a body, and
// the same body.model throughout. A body that is structurally fine but that
// the chat endpoint would refuse (bad parameters, context too long) is not
// a validation error: that line is answered 400 when it runs. It counts
// prompt tokens with the synchronous endpoint's formula, so its cost is
// that of tokenizing every line (tens of microseconds each), spread over
// GOMAXPROCS goroutines.
func (s *Server) parseBatchInput(content []byte, endpoint string, maxLines int) parsedInput {
	var p parsedInput
	seen := make(map[string]int)
	addErr := func(number int, code, param, msg string) {
		if len(p.errs) < maxBatchErrors {
			e := batchError{Code: code, Message: msg, Line: &number}
			if param != "" {
				e.Param = strp(param)
			}
			p.errs = append(p.errs, e)
		}
	}
	number, start := 0, 0
	for start < len(content) {
		end := bytes.IndexByte(content[start:], '\n')
		if end < 0 {
			end = len(content)
		} else {
			end += start
		}
		number++
		raw := content[start:end]
		lineStart := start
		start = end + 1
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		var in inputLine
		if err := json.Unmarshal(raw, &in); err != nil {
			addErr(number, "invalid_json_line", "", "This line is not parseable as valid JSON.")
			continue
		}
		switch {
		case in.CustomID == nil || *in.CustomID == "":
			addErr(number, "missing_required_parameter", "custom_id", "Missing required parameter: 'custom_id'.")
			continue
		case seen[*in.CustomID] > 0:
			addErr(number, "duplicate_custom_id", "custom_id", fmt.Sprintf("The custom_id for this request is a duplicate "+
				"of another request (line %d). The custom_id parameter must be unique for each request in a batch.", seen[*in.CustomID]))
			continue
		case in.Method != "POST":
			addErr(number, "invalid_method", "method", fmt.Sprintf("Invalid value for 'method': '%s'. Only 'POST' is supported.", in.Method))
		case in.URL != endpoint:
			addErr(number, "invalid_url", "url", fmt.Sprintf("The url '%s' of this request does not match the batch's endpoint '%s'.", in.URL, endpoint))
		case !isJSONObject(in.Body):
			addErr(number, "missing_required_parameter", "body", "Missing required parameter: 'body'.")
		}
		seen[*in.CustomID] = number
		var head struct {
			Model any `json:"model"`
		}
		_ = json.Unmarshal(in.Body, &head) // an unparseable body is reported above
		model, _ := head.Model.(string)
		switch {
		case !isJSONObject(in.Body):
		case model == "":
			addErr(number, "missing_required_parameter", "body.model", "Missing required parameter: 'body.model'.")
		case p.model == "":
			p.model = model
		case model != p.model:
			addErr(number, "mismatched_model", "body.model", fmt.Sprintf("The model '%s' does not match the model '%s' of "+
				"the file's other requests: a batch input file must use one model.", model, p.model))
		}
		p.lines = append(p.lines, batchLine{customID: *in.CustomID, number: number, start: lineStart, end: end, body: in.Body})
	}
	switch {
	case number == 0 || (len(p.lines) == 0 && len(p.errs) == 0):
		p.errs = append(p.errs, batchError{Code: "empty_file", Message: "The batch input file is empty."})
	case len(p.lines) > maxLines:
		p.errs = append(p.errs, batchError{Code: "too_many_requests", Message: fmt.Sprintf(
			"The batch input file has %d requests; the maximum is %d.", len(p.lines), maxLines)})
	}
	return p
}

// checkBatchLine decides whether l's body can be answered, records its
// prompt tokens and output cap when it can, and draws whether it will be
// answered 500 (failShare): from its body, custom_id, tries and seed, so
// the draw does not depend on timing. It costs a parse and a token count.
func (s *Server) checkBatchLine(l *batchLine, failShare float64, seed string) {
	req, e := parseChat(l.body, "")
	l.body = nil
	if e == nil {
		l.hash = req.hash
		l.prompt, l.limit, e = s.checkChat(req)
	}
	switch {
	case e != nil:
		l.outcome, l.err = lineInvalid, e
	case failShare > 0 && unitDraw(l.hash, "batchfail|"+l.customID+"|"+strconv.FormatInt(l.tries, 10)+"|"+seed) < failShare:
		l.outcome = line500
	}
}

// isJSONObject reports whether raw is a JSON object (it is already known
// to be valid JSON).
func isJSONObject(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && t[0] == '{'
}
