package writers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strconv"
)

// batchWriter writes the OpenAI Batch API's output format, one line per
// row: {"id", "custom_id", "response": {"status_code", "request_id",
// "body"}, "error"}. Tools that read Batch API results read it as they are.
//
// A row that received an HTTP answer carries it in response (the body as
// the server sent it, usage included; an error answer with its status
// code), and error is null. A row that never got an answer (unreadable
// input, a connection that failed, a stop by the budget) has response null
// and error {code, message}, as the Batch API reports expired requests.
type batchWriter struct {
	w      io.Writer
	buf    []byte
	err    error
	closed bool
}

func newBatch(w io.Writer) *batchWriter {
	return &batchWriter{w: w, buf: make([]byte, 0, jsonlFlushAt+4096)}
}

// batchRequestID derives a stable line id from the custom_id, so two runs
// of the same job write the same file.
func batchRequestID(customID string) string {
	sum := sha256.Sum256([]byte(customID))
	return "batch_req_" + hex.EncodeToString(sum[:12])
}

// Write implements Writer.
func (b *batchWriter) Write(r Row) error {
	if b.closed {
		return errClosed
	}
	if b.err != nil {
		return b.err
	}
	buf := append(b.buf, `{"id":`...)
	buf = appendJSONString(buf, batchRequestID(r.ID))
	buf = append(buf, `,"custom_id":`...)
	buf = appendJSONString(buf, r.ID)
	if r.HTTPStatus != 0 {
		buf = append(buf, `,"response":{"status_code":`...)
		buf = strconv.AppendInt(buf, int64(r.HTTPStatus), 10)
		buf = append(buf, `,"request_id":`...)
		buf = appendJSONString(buf, r.RequestID)
		buf = append(buf, `,"body":`...)
		buf = appendRawJSON(buf, r.ResponseBody)
		buf = append(buf, `},"error":null}`...)
	} else {
		code := r.ErrorKind
		if code == "" {
			code = "request_failed"
		}
		buf = append(buf, `,"response":null,"error":{"code":`...)
		buf = appendJSONString(buf, code)
		buf = append(buf, `,"message":`...)
		buf = appendJSONString(buf, r.Error)
		buf = append(buf, `}}`...)
	}
	b.buf = append(buf, '\n')
	if len(b.buf) >= jsonlFlushAt {
		return b.flush()
	}
	return nil
}

// appendRawJSON appends body compacted when it is JSON, else as a JSON
// string (an HTML error page from a proxy), else null when empty.
func appendRawJSON(dst, body []byte) []byte {
	if len(bytes.TrimSpace(body)) == 0 {
		return append(dst, "null"...)
	}
	if json.Valid(body) {
		var c bytes.Buffer
		if json.Compact(&c, body) == nil {
			return append(dst, c.Bytes()...)
		}
	}
	return appendJSONString(dst, string(body))
}

func (b *batchWriter) flush() error {
	if b.err != nil {
		return b.err
	}
	if len(b.buf) > 0 {
		if _, err := b.w.Write(b.buf); err != nil {
			b.err = err
			return err
		}
	}
	b.buf = b.buf[:0]
	return nil
}

// Close implements Writer.
func (b *batchWriter) Close() error {
	if b.closed {
		return b.err
	}
	b.closed = true
	return b.flush()
}
