package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/checkpoint"
)

// work sends one row until it has a result or the run stops. A row that
// is abandoned because the run stopped is not committed: it stays pending
// in the state database and the next run sends it.
func (r *runner) work(p pending) {
	r.p.inFlight.Add(1)
	defer r.p.inFlight.Add(-1)
	attempts, failures := 0, 0
	for {
		if err := r.waitPause(r.dispatchCtx); err != nil {
			return
		}
		// The gate holds in-flight requests to what the rate can use
		// (Little's law), so a lower learned limit or a pause takes effect
		// within one latency instead of after a long queue.
		permit, err := p.model.gate.Acquire(r.dispatchCtx)
		if err != nil {
			return
		}
		if err := p.model.limiter.Wait(r.dispatchCtx, p.charge); err != nil {
			permit.Release()
			var tl *ErrTooLarge
			if errors.As(err, &tl) {
				r.finish(r.failedRow(p, attempts, "too_large", fmt.Sprintf("%s: %v", p.pos, err), 0, nil))
			}
			return
		}
		if r.dispatchCtx.Err() != nil {
			permit.Release()
			return
		}
		res, ok := r.reserve(p)
		if !ok {
			permit.Release()
			return
		}
		attempts++
		r.requests.Add(1)
		start := r.opt.Now()
		resp, err := r.client.Send(r.sendCtx, p.model.name, p.body)
		latency := r.opt.Now().Sub(start)
		// Release before any backoff or pause: a sleeping row holds no slot.
		permit.Release()
		p.model.gate.Observe(latency, p.model.limiter.RequestRate())
		if err == nil {
			p.model.limiter.Observe(resp.Header)
			r.succeeded()
			row := r.okRow(p, resp, attempts, latency)
			if res != nil {
				res.Settle(*row.CostUSD)
			}
			r.finish(row)
			return
		}
		if res != nil {
			// Failed requests are not billed: hand the reservation back.
			res.Release()
		}
		if r.sendCtx.Err() != nil {
			return // abandoned after the drain timeout
		}
		c := Classify(err, r.opt.Now())
		r.observeError(p.model, err)
		switch c.Verdict {
		case RateLimited:
			r.p.throttled.Add(1)
			wait := c.Wait
			if wait <= 0 {
				failures++
				wait = Backoff(failures, r.opt.BackoffBase, r.opt.BackoffMax, r.rand())
			}
			r.pause(wait)
			if r.stalled() {
				return
			}
		case Retry:
			if c.Kind == "unreachable" && !r.hadSuccess() {
				r.fail(fmt.Errorf("cannot reach %s: %w (check --base-url)", r.client.URL(p.model.name), err))
				return
			}
			failures++
			if r.stalled() {
				return
			}
			if failures >= r.opt.MaxAttempts {
				r.finish(r.pendingRow(p, attempts, c, err, latency))
				return
			}
			r.p.retries.Add(1)
			if !sleepCtx(r.dispatchCtx, Backoff(failures, r.opt.BackoffBase, r.opt.BackoffMax, r.rand())) {
				return
			}
		case RowError:
			r.finish(r.failedRow(p, attempts, c.Kind, fmt.Sprintf("%s: %v", p.pos, err), latency, err))
			return
		case Fatal:
			r.fail(fmt.Errorf("%w: check the API key (OPENAI_API_KEY or --api-key-file) and that it may use model %s", err, p.model.name))
			return
		case OutOfCredit:
			r.stopWith(Stalled, fmt.Errorf("%w: the account is out of credit; add credit, then rerun the same command", err))
			return
		}
	}
}

func (r *runner) okRow(p pending, resp *Response, attempts int, latency time.Duration) checkpoint.Row {
	c := resp.Completion
	ch := c.Choices[0]
	u := budget.Usage{PromptTokens: int64(c.Usage.PromptTokens), CompletionTokens: int64(c.Usage.CompletionTokens)}
	if d := c.Usage.PromptTokensDetails; d != nil {
		u.CachedTokens = int64(d.CachedTokens)
	}
	if d := c.Usage.CompletionTokensDetails; d != nil {
		u.ReasoningTokens = int64(d.ReasoningTokens)
	}
	model := c.Model
	if model == "" {
		model = p.model.name
	}
	row := checkpoint.Row{
		Key: p.key, Seq: p.seq, RequestHash: p.hash, Status: checkpoint.StatusOK, ID: p.id, Kept: p.kept,
		Output: ch.Message.Content, FinishReason: string(ch.FinishReason), Model: model,
		PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens,
		CachedTokens: u.CachedTokens, ReasoningTokens: u.ReasoningTokens,
		LatencyMS: latency.Milliseconds(), Attempts: attempts, HTTPStatus: resp.Status, Position: p.pos.String(),
		RequestID: resp.Header.Get("x-request-id"),
	}
	// Price by the model we asked for: the answer names a dated snapshot,
	// which resolves to the same family anyway.
	if r.bodies {
		row.ResponseBody = resp.Body
	}
	if p.model.priced {
		cost := roundUSD(p.model.price.Cost(u))
		row.CostUSD = &cost
	}
	return row
}

func (r *runner) failedRow(p pending, attempts int, kind, msg string, latency time.Duration, err error) checkpoint.Row {
	row := checkpoint.Row{
		Key: p.key, Seq: p.seq, RequestHash: p.hash, Status: checkpoint.StatusFailed, ID: p.id, Kept: p.kept,
		Error: msg, ErrorKind: kind, LatencyMS: latency.Milliseconds(), Attempts: attempts,
		Position: p.pos.String(),
	}
	// Keep the server's answer: the Batch API format reports it as it came.
	if he, ok := asHTTPError(err); ok {
		row.HTTPStatus, row.ResponseBody, row.RequestID = he.Status, he.Body, he.Header.Get("x-request-id")
	}
	return row
}

// pendingRow records a row that ran out of transient retries: it gets an
// error row in this run's outputs and is sent again by the next run.
func (r *runner) pendingRow(p pending, attempts int, c Class, err error, latency time.Duration) checkpoint.Row {
	row := r.failedRow(p, attempts, c.Kind, fmt.Sprintf("%s: %v (gave up after %d attempts; a rerun retries it)", p.pos, err, attempts), latency, err)
	row.Status = checkpoint.StatusPending
	return row
}

// finish commits a row's result and counts it.
func (r *runner) finish(row checkpoint.Row) {
	// The commit must not be skipped because the run is stopping: this
	// result may already be paid for.
	if err := r.commit.Add(context.WithoutCancel(r.dispatchCtx), row); err != nil {
		r.fail(fmt.Errorf("state database %s: %w", r.job.State, err))
		return
	}
	r.counted(row)
}

// counted adds a committed row to the progress figures.
func (r *runner) counted(row checkpoint.Row) {
	r.p.done.Add(1)
	switch row.Status {
	case checkpoint.StatusOK:
		r.p.ok.Add(1)
		r.p.addTokens(row)
	default:
		r.p.failed.Add(1)
		r.kinds.add(row.ErrorKind, row.Error, row.Position)
	}
	r.report()
}

func (r *runner) reused(st checkpoint.Status) {
	r.p.done.Add(1)
	r.p.reused.Add(1)
	if st == checkpoint.StatusOK {
		r.p.ok.Add(1)
	} else {
		r.p.failed.Add(1)
	}
	r.report()
}

// reserve books the row's worst-case cost against the cap. It returns
// false, and stops the run, when the cap would be crossed: the row is not
// sent and stays pending for a run with a higher cap.
func (r *runner) reserve(p pending) (*budget.Reservation, bool) {
	if r.cap == nil {
		return nil, true
	}
	if !p.model.priced {
		r.stopWith(Failed, fmt.Errorf("%s: --max-cost needs a price for model %s: give one with --prices FILE", p.pos, p.model.name))
		return nil, false
	}
	worst := p.model.price.WorstCase(p.tokens, p.maxOut)
	res, err := r.cap.Reserve(worst)
	if err != nil {
		r.stopWith(BudgetReached, fmt.Errorf("the next request could cost up to $%.6f and the cap is $%.2f with $%.4f spent and $%.4f reserved: rerun with a higher --max-cost to continue",
			worst, r.cap.Limit(), r.cap.Spent(), r.cap.Reserved()))
		return nil, false
	}
	return res, true
}

// roundUSD drops float noise below a millionth of a cent, so outputs show
// 0.0000196 rather than 0.000019600000000000002.
func roundUSD(v float64) float64 { return math.Round(v*1e12) / 1e12 }

func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (r *runner) rand() float64 {
	if r.opt.Rand != nil {
		return r.opt.Rand()
	}
	r.randMu.Lock()
	defer r.randMu.Unlock()
	return r.rng.Float64()
}
