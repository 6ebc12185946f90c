package batchapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/clock"
)

// callAttempts bounds the tries of one API call that keeps failing
// transiently; backoff doubles from callBackoff.
const (
	callAttempts = 8
	callBackoff  = time.Second
)

// errStopped is returned when a submission is refused by the budget.
var errStopped = errors.New("submissions stopped")

// retry calls fn until it succeeds, fails for good, or has failed
// callAttempts times; retryable says which errors are worth repeating.
func (x *Exec) retry(ctx context.Context, retryable func(error) bool, fn func() error) error {
	wait := callBackoff
	for i := 1; ; i++ {
		err := fn()
		if err == nil || !retryable(err) || i >= callAttempts || ctx.Err() != nil {
			return err
		}
		x.log.Warn("Batch API call failed; retrying", "err", err, "in", wait)
		if !clock.Sleep(ctx, x.clk, wait) {
			return errors.Join(err, ctx.Err())
		}
		wait = min(2*wait, 2*time.Minute)
	}
}

// submitQueued builds input files from the queued requests, model by
// model, and submits each as soon as it is written, while it fits the
// model's enqueued-token limit beside the batches still running.
func (x *Exec) submitQueued(ctx context.Context) error {
	for _, model := range x.models {
		if x.noSubmit || x.blocked != nil || ctx.Err() != nil {
			return nil
		}
		if err := x.submitModel(ctx, model); err != nil {
			if errors.Is(err, errStopped) {
				x.blocked = err
				return nil
			}
			return err
		}
	}
	return nil
}

func (x *Exec) submitModel(ctx context.Context, model string) error {
	keys := x.queue[model]
	if len(keys) == 0 {
		return nil
	}
	lim := x.opt.Limits
	qt := x.queueLimit(model)
	if qt > 0 {
		lim.MaxTokens = qt
	}
	dir, err := os.MkdirTemp(x.opt.SpoolDir, "batchprompt-files-*")
	if err != nil {
		return fmt.Errorf("batch files: %w", err)
	}
	defer os.RemoveAll(dir)
	sp := NewSplitter(dir, func(i int) string { return "chunk-" + strconv.Itoa(i) + ".jsonl" }, lim)
	defer sp.Abort()
	enqueued := x.enqueued(model)
	sent := 0 // keys[:sent] are in batches
	submit := func(f SplitFile) (bool, error) {
		if qt > 0 && enqueued > 0 && enqueued+f.Tokens > qt {
			return false, nil // wait for running batches to make room
		}
		if err := x.submitChunk(ctx, model, keys[sent:sent+f.Lines], f); err != nil {
			return false, err
		}
		enqueued += f.Tokens
		sent += f.Lines
		os.Remove(f.Path)
		return true, nil
	}
	defer func() { x.queue[model] = keys[sent:] }()
	published := 0
	for _, k := range keys {
		e := x.items[k]
		line, err := x.line(e)
		if err != nil {
			return err
		}
		if err := sp.Write(line, e.tokens); err != nil {
			return err
		}
		if fs := sp.Files(); len(fs) > published {
			published = len(fs)
			if ok, err := submit(fs[len(fs)-1]); err != nil || !ok {
				return err
			}
		}
	}
	if err := sp.Close(); err != nil {
		return err
	}
	if fs := sp.Files(); len(fs) > published {
		_, err := submit(fs[len(fs)-1])
		return err
	}
	return nil
}

// queueLimit is the model's enqueued-token limit: given, or learned.
func (x *Exec) queueLimit(model string) int64 {
	if x.opt.QueueTokens > 0 {
		return x.opt.QueueTokens
	}
	return x.learned[model]
}

// enqueued sums the prompt tokens of model's batches still running.
func (x *Exec) enqueued(model string) int64 {
	var n int64
	for _, c := range x.chunks {
		if c.rec.Model == model && c.running() {
			n += c.rec.Tokens
		}
	}
	return n
}

// running reports whether c may still hold requests on the server.
func (c *chunk) running() bool {
	switch c.rec.State {
	case checkpoint.ChunkUploading, checkpoint.ChunkUploaded, checkpoint.ChunkLive:
		return true
	}
	return false
}

// submitChunk reserves the file's worst case, records the intent (the
// chunk and its rows), uploads the file, records its id, creates the
// batch and records it: each record is written before the next call, so
// a crash between any two steps is recovered by recover.
func (x *Exec) submitChunk(ctx context.Context, model string, keys []string, f SplitFile) error {
	round := 1
	tokens, maxOut := make([]int64, len(keys)), make([]int64, len(keys))
	for i, k := range keys {
		e := x.items[k]
		round = max(round, e.tries+1)
		tokens[i], maxOut[i] = e.tokens, e.maxOut
	}
	c := &chunk{keys: keys, pending: len(keys)}
	var worst float64
	if x.hooks.Reserve != nil {
		settle, w, err := x.hooks.Reserve(model, tokens, maxOut)
		if err != nil {
			return errors.Join(errStopped, err)
		}
		c.settle, worst = settle, w
	}
	c.rec = checkpoint.BatchChunk{Model: model, Round: round, Requests: len(keys), Tokens: f.Tokens,
		ReservedUSD: worst, State: checkpoint.ChunkUploading, Submitted: x.clk.Now().Unix()}
	id, err := x.db.PlanChunk(context.WithoutCancel(ctx), c.rec, keys)
	if err != nil {
		c.release()
		return err
	}
	c.rec.Chunk = id
	x.chunks[id] = c
	for _, k := range keys {
		x.items[k].tries++
	}
	var fileID string
	err = x.retry(ctx, Transient, func() (err error) {
		fileID, err = x.api.Upload(ctx, f.Path, x.fileName(id))
		return err
	})
	if err != nil {
		return fmt.Errorf("batch input file %d: %w", id, err)
	}
	c.rec.FileID, c.rec.State = fileID, checkpoint.ChunkUploaded
	if err := x.save(ctx, c); err != nil {
		return err
	}
	return x.create(ctx, c)
}

// create creates c's batch from its uploaded file and records it. A file
// the API does not know yet (just uploaded) is retried like a transient
// failure.
func (x *Exec) create(ctx context.Context, c *chunk) error {
	md := map[string]any{"batchprompt_job": x.opt.Tag, "batchprompt_chunk": strconv.FormatInt(c.rec.Chunk, 10)}
	if j := x.opt.Endpoint.MetadataJob; j != "" {
		md["job"] = j[:min(len(j), 512)]
	}
	err := x.retry(ctx, func(err error) bool { return Transient(err) || Status(err) == http.StatusNotFound }, func() error {
		b, err := x.api.Create(ctx, c.rec.FileID, md)
		if err == nil {
			c.seen(b)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("batch for chunk %d: %w", c.rec.Chunk, err)
	}
	c.rec.State = checkpoint.ChunkLive
	x.out.Submitted++
	x.log.Info("batch submitted", "batch", c.rec.BatchID, "model", c.rec.Model, "requests", c.rec.Requests, "round", c.rec.Round)
	return x.save(ctx, c)
}

// save records c in the state database, whatever ctx says: the call it
// describes has been made.
func (x *Exec) save(ctx context.Context, c *chunk) error {
	if err := x.db.UpdateChunk(context.WithoutCancel(ctx), c.rec); err != nil {
		return err
	}
	if x.hooks.Batch != nil {
		x.hooks.Batch(c.rec)
	}
	return nil
}

// release hands back c's reservation with what its answers cost.
func (c *chunk) release() {
	if c.settle != nil {
		c.settle(c.spent)
		c.settle = nil
	}
}
