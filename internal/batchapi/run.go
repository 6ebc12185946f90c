package batchapi

import (
	"context"
	"errors"
	"strconv"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/clock"
)

// Run finds what earlier runs left on the server, submits the queued
// requests, and polls the batches until every request has a result; with
// Options.Detach it returns after one round of collecting and
// submitting; with Options.Cancel it cancels the live batches and
// collects them, submitting nothing. When ctx ends it returns at once
// and leaves the batches running: a later run collects them. The error is
// a failure that stops the run (the state database, a refused key); the
// batches are left as they are.
func (x *Exec) Run(ctx context.Context) (Outcome, error) {
	err := x.run(ctx)
	x.out.Pending, x.out.Live, x.out.Blocked = 0, 0, x.blocked
	for _, e := range x.items {
		if !e.done {
			x.out.Pending++
		}
	}
	for _, c := range x.chunks {
		if c.running() && c.pending > 0 {
			x.out.Live++
		}
	}
	return x.out, err
}

func (x *Exec) run(ctx context.Context) error {
	if err := x.recover(ctx); err != nil {
		return err
	}
	if x.opt.Cancel {
		x.noSubmit = true
		if err := x.cancelLive(ctx); err != nil {
			return err
		}
	}
	wait := max(x.opt.PollInterval/10, time.Second)
	for polls := 0; ; polls++ {
		if err := x.submitQueued(ctx); err != nil {
			return err
		}
		if ctx.Err() != nil || !x.waiting() {
			return nil
		}
		if x.opt.Detach && polls > 0 {
			return nil
		}
		if !x.opt.Detach && !x.anyLive() {
			return nil // queued but nothing can be submitted (budget)
		}
		if polls > 0 || !x.opt.Detach {
			if !clock.Sleep(ctx, x.clk, wait) {
				return nil
			}
		}
		if err := x.poll(ctx); err != nil {
			if !Transient(err) {
				return err
			}
			x.log.Warn("polling the Batch API failed; backing off", "err", err)
			wait = min(2*wait, 8*x.opt.PollInterval)
			continue
		}
		wait = x.opt.PollInterval
	}
}

// waiting reports whether any request still needs a result from a batch.
func (x *Exec) waiting() bool {
	if x.anyLive() {
		return true
	}
	if x.noSubmit || x.blocked != nil {
		return false
	}
	for _, q := range x.queue {
		if len(q) > 0 {
			return true
		}
	}
	return false
}

func (x *Exec) anyLive() bool {
	for _, c := range x.chunks {
		if c.running() && c.pending > 0 {
			return true
		}
	}
	return false
}

// poll looks at every live batch this run waits for, cancels those past
// the finish-sync deadline, and collects those that ended.
func (x *Exec) poll(ctx context.Context) error {
	for _, c := range x.sorted() {
		if c.rec.State != checkpoint.ChunkLive || c.pending == 0 {
			continue
		}
		var b openai.Batch
		err := x.retry(ctx, Transient, func() (err error) { b, err = x.api.Retrieve(ctx, c.rec.BatchID); return err })
		if err != nil {
			return err
		}
		if terminal(b.Status) {
			if err := x.collect(ctx, c, b); err != nil {
				return err
			}
			continue
		}
		age := x.clk.Now().Sub(time.Unix(c.rec.Submitted, 0))
		if x.opt.FinishSyncAfter > 0 && age >= x.opt.FinishSyncAfter && !c.tail && x.hooks.Tail != nil {
			c.tail = true
			if b.Status != "cancelling" {
				x.log.Info("finish-sync deadline: cancelling batch", "batch", c.rec.BatchID)
				if b, err = x.api.Cancel(ctx, c.rec.BatchID); err != nil {
					return err
				}
			}
		}
		if b.Status != c.rec.Status || b.RequestCounts.Completed != c.rec.Completed {
			c.seen(b)
			if err := x.save(ctx, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// cancelLive asks the API to cancel every live batch this run waits for.
func (x *Exec) cancelLive(ctx context.Context) error {
	for _, c := range x.sorted() {
		if c.rec.State != checkpoint.ChunkLive {
			continue
		}
		b, err := x.api.Cancel(ctx, c.rec.BatchID)
		if err != nil && Status(err) != 400 { // 400: it has ended already
			return err
		}
		if err == nil {
			c.seen(b)
			if err := x.save(ctx, c); err != nil {
				return err
			}
		}
		x.log.Info("batch cancelled", "batch", c.rec.BatchID)
	}
	return nil
}

// recover settles what a killed run left between two steps: an upload
// whose id was not recorded is found by its name and deleted (its rows go
// to a new batch); a file whose batch was not recorded is matched to a
// batch by metadata, or a batch is created from it; ended batches whose
// results were not all committed are collected again.
func (x *Exec) recover(ctx context.Context) error {
	for _, c := range x.sorted() {
		if c.running() && c.pending > 0 && c.rec.ReservedUSD > 0 && x.hooks.Hold != nil {
			settle, err := x.hooks.Hold(c.rec.ReservedUSD)
			if err != nil {
				x.blocked = errors.Join(errStopped, err)
			}
			c.settle = settle
		}
		var err error
		switch c.rec.State {
		case checkpoint.ChunkUploading:
			err = x.recoverUpload(ctx, c)
		case checkpoint.ChunkUploaded:
			err = x.recoverCreate(ctx, c)
		case checkpoint.ChunkEnded:
			if c.pending > 0 {
				var b openai.Batch
				err = x.retry(ctx, Transient, func() (err error) { b, err = x.api.Retrieve(ctx, c.rec.BatchID); return err })
				if err == nil {
					err = x.collect(ctx, c, b)
				}
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (x *Exec) recoverUpload(ctx context.Context, c *chunk) error {
	name := x.fileName(c.rec.Chunk)
	var id string
	var found bool
	err := x.retry(ctx, Transient, func() (err error) { id, found, err = x.api.FindFile(ctx, name); return err })
	if err != nil {
		return err
	}
	if found {
		x.log.Info("deleting an upload a killed run did not record", "file", id)
		if err := x.retry(ctx, Transient, func() error { return x.api.Delete(ctx, id) }); err != nil {
			return err
		}
	}
	return x.abandon(ctx, c)
}

// abandon gives up a chunk that never became a batch: its rows wait for a
// new one, and the try it cost them is not counted.
func (x *Exec) abandon(ctx context.Context, c *chunk) error {
	c.rec.State = checkpoint.ChunkAbandoned
	if err := x.save(ctx, c); err != nil {
		return err
	}
	for _, k := range c.keys {
		if e := x.items[k]; e != nil && !e.done {
			e.free++
			x.enqueue(k, e)
		}
	}
	c.pending = 0
	return nil
}

func (x *Exec) recoverCreate(ctx context.Context, c *chunk) error {
	want := strconv.FormatInt(c.rec.Chunk, 10)
	var b openai.Batch
	var found bool
	err := x.retry(ctx, Transient, func() (err error) {
		b, found, err = x.api.FindBatch(ctx, c.rec.Submitted-3600, func(b openai.Batch) bool {
			return b.InputFileID == c.rec.FileID || (b.Metadata["batchprompt_job"] == x.opt.Tag && b.Metadata["batchprompt_chunk"] == want)
		})
		return err
	})
	if err != nil {
		return err
	}
	if found {
		x.log.Info("found a batch a killed run did not record", "batch", b.ID)
		c.seen(b)
		c.rec.State = checkpoint.ChunkLive
		return x.save(ctx, c)
	}
	if err := x.create(ctx, c); err != nil {
		if Status(errors.Unwrap(err)) == 404 || Status(err) == 404 {
			return x.abandon(ctx, c) // the file is gone: start over
		}
		return err
	}
	return nil
}

// sorted lists the chunks oldest first.
func (x *Exec) sorted() []*chunk {
	out := make([]*chunk, 0, len(x.chunks))
	for _, c := range x.chunks {
		out = append(out, c)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].rec.Chunk < out[j-1].rec.Chunk; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
