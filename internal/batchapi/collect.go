package batchapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/batchprompt/batchprompt/checkpoint"
)

// Batch statuses that end a batch.
func terminal(status string) bool {
	switch status {
	case "completed", "failed", "expired", "cancelled":
		return true
	}
	return false
}

// seen copies what the API says of a batch into c's record.
func (c *chunk) seen(b openai.Batch) {
	c.rec.BatchID, c.rec.Status = b.ID, b.Status
	c.rec.Completed, c.rec.Failed = b.RequestCounts.Completed, b.RequestCounts.Failed
	c.rec.CreatedAt = int64(b.CreatedAt)
	if b.ExpiresAt != nil {
		c.rec.ExpiresAt = int64(*b.ExpiresAt)
	}
	if b.Errors != nil && len(b.Errors.Data) > 0 {
		d := b.Errors.Data[0]
		c.rec.Error = d.Code + ": " + d.Message
	}
}

// outputLine is one line of a batch's output or error file.
type outputLine struct {
	CustomID string `json:"custom_id"`
	Response *struct {
		StatusCode int             `json:"status_code"`
		Body       json.RawMessage `json:"body"`
	} `json:"response"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// collect reads an ended batch's output and error files and settles each
// request c waits for: an answer or a permanent error is delivered, any
// other failure goes to a new batch (or the synchronous tail). Collecting
// twice is harmless: a request already settled is skipped, and the files
// are only read.
func (x *Exec) collect(ctx context.Context, c *chunk, b openai.Batch) error {
	c.seen(b)
	c.rec.State = checkpoint.ChunkEnded
	if err := x.save(ctx, c); err != nil {
		return err
	}
	waiting := make(map[string]bool, c.pending)
	for _, k := range c.keys {
		if e := x.items[k]; e != nil && !e.done {
			waiting[k] = true
		}
	}
	for _, id := range []*string{b.OutputFileID, b.ErrorFileID} {
		if id == nil || *id == "" || len(waiting) == 0 {
			continue
		}
		err := x.retry(ctx, Transient, func() error { return x.readFile(ctx, c, *id, waiting) })
		if err != nil {
			return err
		}
	}
	code, msg := "batch_"+b.Status, "the batch ended ("+b.Status+") without answering it"
	if b.Status == "failed" {
		code, msg = "batch_failed", "the batch failed: "+c.rec.Error
		if limit, ok := queueRefusal(b); ok {
			if limit <= 0 { // not in the message: make room for at most what ran beside it
				limit = max(x.enqueued(c.rec.Model), c.rec.Tokens/2, 1)
			}
			x.learned[c.rec.Model] = limit
			x.log.Warn("enqueued-token limit reached; waiting for running batches", "model", c.rec.Model, "limit", limit)
			for k := range waiting {
				e := x.items[k]
				e.free++
				x.enqueue(k, e)
			}
			c.pending = 0
			waiting = nil
		} else {
			for k := range waiting {
				x.final(c, Result{Key: k, Code: code, Message: msg})
			}
			waiting = nil
		}
	}
	for k := range waiting {
		x.again(c, k, code, msg)
	}
	c.release()
	x.blocked = nil // the budget may have room now
	if err := x.api.Delete(ctx, c.rec.FileID); err != nil {
		x.log.Warn("could not delete a batch input file", "err", err)
	}
	return nil
}

// readFile streams one result file, line by line, and settles the
// requests it answers.
func (x *Exec) readFile(ctx context.Context, c *chunk, id string, waiting map[string]bool) error {
	rc, err := x.api.Content(ctx, id)
	if err != nil {
		return err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 1<<20)
	for {
		raw, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(raw)) > 0 {
			var l outputLine
			if jerr := json.Unmarshal(raw, &l); jerr != nil {
				if errors.Is(err, io.EOF) {
					return fmt.Errorf("download file %s: truncated line: %w", id, io.ErrUnexpectedEOF)
				}
				return fmt.Errorf("download file %s: a line that is not JSON: %w", id, jerr)
			}
			key, hash := splitCustomID(l.CustomID)
			if waiting[key] && x.items[key].hash == hash {
				delete(waiting, key)
				l.CustomID = key
				x.settleLine(c, l)
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("download file %s: %w", id, err)
		}
	}
}

// settleLine decides what one result line means for its request.
func (x *Exec) settleLine(c *chunk, l outputLine) {
	switch r := l.Response; {
	case r != nil && r.StatusCode/100 == 2:
		c.spent += x.final(c, Result{Key: l.CustomID, Status: r.StatusCode, Body: r.Body})
	case r != nil && r.StatusCode/100 == 4 && r.StatusCode != 408 && r.StatusCode != 429:
		x.final(c, Result{Key: l.CustomID, Status: r.StatusCode, Body: r.Body})
	case r != nil:
		x.again(c, l.CustomID, "http_"+strconv.Itoa(r.StatusCode), "HTTP "+strconv.Itoa(r.StatusCode)+": "+snippet(r.Body))
	case l.Error != nil:
		x.again(c, l.CustomID, l.Error.Code, l.Error.Message)
	default:
		x.again(c, l.CustomID, "bad_response", "a result line with neither response nor error")
	}
}

// final delivers a request's last result.
func (x *Exec) final(c *chunk, r Result) float64 {
	e := x.items[r.Key]
	e.done = true
	c.pending--
	r.Tries = e.tries
	if x.hooks.Deliver == nil {
		return 0
	}
	return x.hooks.Deliver(r)
}

// again sends a request that did not run, or failed transiently, to a new
// batch; after the last round it becomes an error result naming the last
// error, and a batch cancelled for the finish-sync deadline hands it to
// the synchronous tail instead.
func (x *Exec) again(c *chunk, key, code, msg string) {
	e := x.items[key]
	switch {
	case c.tail && x.hooks.Tail != nil:
		body, err := x.body(e)
		if err != nil {
			x.final(c, Result{Key: key, Code: "spool", Message: err.Error()})
			return
		}
		e.done = true
		c.pending--
		x.hooks.Tail(key, body)
	case e.tries-e.free >= x.opt.Rounds:
		x.final(c, Result{Key: key, Code: code, Message: fmt.Sprintf("%s (after %d batches)", msg, e.tries)})
	default:
		c.pending--
		x.enqueue(key, e)
	}
}

var enqueuedLimit = regexp.MustCompile(`Limit: ([0-9,]+) enqueued tokens`)

// queueRefusal reports whether a failed batch was refused for the
// enqueued-token limit, and the limit its message gives (0 if none).
func queueRefusal(b openai.Batch) (int64, bool) {
	if b.Errors == nil {
		return 0, false
	}
	for _, d := range b.Errors.Data {
		if d.Code == "token_limit_exceeded" {
			var n int64
			if m := enqueuedLimit.FindStringSubmatch(d.Message); m != nil {
				n, _ = strconv.ParseInt(strings.ReplaceAll(m[1], ",", ""), 10, 64)
			}
			return n, true
		}
	}
	return 0, false
}

func snippet(b []byte) string {
	s := string(bytes.TrimSpace(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
