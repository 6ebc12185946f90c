package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"

	openai "github.com/sashabaranov/go-openai"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/batchapi"
	"github.com/batchprompt/batchprompt/internal/client"
	"github.com/batchprompt/batchprompt/internal/request"
)

// BatchSummary says how a Batch API run's rows were answered: how many
// through batches and how many synchronously (the finish-sync tail), and
// what each way cost.
type BatchSummary struct {
	Submitted    int // batches created by this run
	Live         int // batches still running at the end
	Pending      int // rows still waiting for a batch's result
	BatchRows    int64
	BatchCostUSD float64 // at Batch API rates
	SyncRows     int64
}

// executor picks how this run answers its rows.
func (r *runner) executor() executor {
	if r.job.embeddings() {
		return r.embedExec()
	}
	if !r.job.BatchAPI && !r.opt.BatchCancel {
		return newSyncExec(r)
	}
	e, err := newBatchExec(r)
	if err != nil {
		r.fail(err)
		return nopExec{}
	}
	return e
}

// nopExec answers nothing: the run failed before it could start.
type nopExec struct{}

func (nopExec) Send(request.Request) {}
func (nopExec) Wait()                {}

// batchExec answers rows through the Batch API (internal/batchapi); rows
// its batches cannot finish in time go through a syncExec.
type batchExec struct {
	r    *runner
	x    *batchapi.Exec
	reqs map[string]batchapi.Waiting // by key

	sync *syncExec
}

func newBatchExec(r *runner) (*batchExec, error) {
	ep := r.opt.Endpoint
	if ep.Azure {
		return nil, configErrorf("--batch-api is not supported with Azure OpenAI")
	}
	if r.job.Endpoint != "" && r.job.Endpoint != "chat" {
		return nil, configErrorf("--batch-api sends chat completions only, not %s", r.job.Endpoint)
	}
	ctx := context.WithoutCancel(r.dispatchCtx)
	tag, err := batchapi.Tag(ctx, r.db)
	if err != nil {
		return nil, fmt.Errorf("state database %s: %w", r.job.State, err)
	}
	e := &batchExec{r: r, reqs: map[string]batchapi.Waiting{}}
	e.x, err = batchapi.New(ctx, r.db, batchapi.Options{
		Endpoint: batchapi.Endpoint{BaseURL: ep.BaseURL, APIKey: ep.APIKey, OrgID: ep.OrgID, ProjectID: ep.ProjectID,
			HTTPClient: r.opt.HTTPClient, MetadataJob: filepath.Base(r.job.State)},
		Clock: r.clk, Tag: tag, PollInterval: r.opt.BatchPollInterval, Rounds: r.opt.BatchRounds,
		FinishSyncAfter: r.opt.BatchFinishSync, Detach: r.opt.Detach, Cancel: r.opt.BatchCancel,
		QueueTokens: r.opt.BatchQueueTokens, Limits: r.opt.batchLimits, Logger: r.opt.Logger,
	}, batchapi.Hooks{Deliver: e.deliver, Tail: e.tail, Reserve: e.reserve, Hold: e.hold, Batch: e.progress})
	if err != nil {
		return nil, fmt.Errorf("state database %s: %w", r.job.State, err)
	}
	return e, nil
}

func (e *batchExec) Send(req request.Request) {
	e.reqs[req.Key] = batchapi.WaitingFor(req)
	e.r.modelFor(req.Model)
	if err := e.x.Add(batchapi.Item{Key: req.Key, Hash: req.Hash, Model: req.Model, Body: req.Body, Tokens: req.Tokens, MaxOut: req.MaxOut}); err != nil {
		e.r.fail(err)
	}
}

// Wait runs the batches; the engine has sent every row.
func (e *batchExec) Wait() {
	r := e.r
	// The run stops polling when it is stopped, except by the budget cap:
	// batches already submitted are paid for, so they are still collected.
	ctx, cancel := context.WithCancel(r.sendCtx)
	defer cancel()
	defer context.AfterFunc(r.dispatchCtx, func() {
		r.mu.Lock()
		budget := r.stop == BudgetReached
		r.mu.Unlock()
		if !budget {
			cancel()
		}
	})()
	out, err := e.x.Run(ctx)
	if e.sync != nil {
		e.sync.Wait()
	}
	_ = e.x.Close()
	if err != nil {
		r.fail(fmt.Errorf("the Batch API: %w", err))
	}
	s := &r.batchSum
	s.Submitted, s.Live, s.Pending = out.Submitted, out.Live, out.Pending
	switch {
	case out.Pending == 0 || ctx.Err() != nil:
	case out.Blocked != nil:
		r.stopWith(BudgetReached, out.Blocked)
	case r.opt.BatchCancel:
		r.stopWith(Interrupted, fmt.Errorf("batches cancelled; %d rows have no result: rerun the job to submit them again", out.Pending))
	case r.opt.Detach || out.Live > 0:
		r.stopWith(Submitted, fmt.Errorf("%d rows submitted, results pending in %d batches: run the same command again to collect", out.Pending, out.Live))
	}
}

// deliver commits a row's result from a batch, priced at Batch API rates.
func (e *batchExec) deliver(res batchapi.Result) float64 {
	r := e.r
	p := e.reqs[res.Key].Request(res.Key)
	m := r.modelFor(p.Model)
	var row checkpoint.Row
	switch {
	case res.Status/100 == 2:
		var comp openai.ChatCompletionResponse
		if err := json.Unmarshal(res.Body, &comp); err != nil || len(comp.Choices) == 0 {
			row = r.failedRow(p, res.Tries, "bad_response", fmt.Sprintf("%s: a batch answer that is not a chat completion", p.Pos), 0, nil)
			break
		}
		row = r.okRow(p, m, &client.Response{Status: res.Status, Header: http.Header{}, Body: res.Body, Completion: comp}, res.Tries, 0)
		if m.priced {
			cost := roundUSD(m.price.BatchCost(budget.Usage{PromptTokens: row.PromptTokens, CompletionTokens: row.CompletionTokens,
				CachedTokens: row.CachedTokens, ReasoningTokens: row.ReasoningTokens}))
			row.CostUSD = &cost
			e.r.batchSum.BatchCostUSD += cost
		}
		r.succeeded()
		r.checkBatchAnswer(p, &row, comp) // structured.go
	case res.Status != 0:
		he := &client.HTTPError{Status: res.Status, Header: http.Header{}, Body: res.Body}
		var body struct{ Error *openai.APIError }
		if json.Unmarshal(res.Body, &body) == nil {
			he.API = body.Error
		}
		c := client.Classify(he, r.clk.Now())
		row = r.failedRow(p, res.Tries, c.Kind, fmt.Sprintf("%s: %v", p.Pos, he), 0, he)
	default:
		row = r.failedRow(p, res.Tries, res.Code, fmt.Sprintf("%s: %s", p.Pos, res.Message), 0, nil)
	}
	r.batchSum.BatchRows++
	r.finish(row)
	if row.CostUSD != nil {
		return *row.CostUSD
	}
	return 0
}

// progress logs a batch's status and counts each time they change.
func (e *batchExec) progress(c checkpoint.BatchChunk) {
	if c.BatchID == "" {
		return
	}
	e.r.opt.Logger.Info("batch", "id", c.BatchID, "model", c.Model, "status", c.Status, "completed", c.Completed,
		"failed", c.Failed, "requests", c.Requests, "round", c.Round)
}

// tail sends a row synchronously: its batch was cancelled at the
// finish-sync deadline before answering it.
func (e *batchExec) tail(key string, body []byte) {
	p := e.reqs[key].Request(key)
	p.Body = body
	if e.sync == nil {
		e.sync = newSyncExec(e.r)
	}
	e.r.batchSum.SyncRows++
	e.sync.Send(p)
}

// reserve books a file's worst case at Batch API prices against
// --max-cost before it is uploaded (see batchapi.Reserve).
func (e *batchExec) reserve(model string, tokens, maxOut []int64) (func(float64), float64, error) {
	r := e.r
	if r.cap == nil {
		return nil, 0, nil
	}
	m := r.modelFor(model)
	if !m.priced {
		err := fmt.Errorf("--max-cost needs a price for model %s: give one with --prices FILE", model)
		r.stopWith(Failed, err)
		return nil, 0, err
	}
	return batchapi.Reserve(r.cap, m.price, tokens, maxOut)
}

// hold books again what a batch still running from an earlier run may
// cost (see batchapi.Hold).
func (e *batchExec) hold(worst float64) (func(float64), error) {
	if e.r.cap == nil {
		return nil, nil
	}
	return batchapi.Hold(e.r.cap, worst)
}
