package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/sourcegraph/conc/pool"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/answercheck"
	"github.com/batchprompt/batchprompt/internal/client"
	"github.com/batchprompt/batchprompt/internal/clock"
	"github.com/batchprompt/batchprompt/internal/jobstate"
	"github.com/batchprompt/batchprompt/internal/pace"
	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/internal/rows"
)

// executor answers the requests the engine has claimed in the state
// database. The engine hands it each claimed request in input order (Send,
// which may block for back-pressure), then calls Wait once no more will
// come. For every request the executor either hands one result to
// runner.finish, or abandons it because the run is stopping, which leaves
// it pending for the next run. State, dispatch and writers never know
// which executor answered.
type executor interface {
	Send(req request.Request)
	Wait()
}

// syncExec is the synchronous executor: a pool of workers, each sending
// one request at a time through its model's pacer and the client, with
// retries.
type syncExec struct {
	r    *runner
	pool *pool.Pool
}

func newSyncExec(r *runner) *syncExec {
	return &syncExec{r: r, pool: pool.New().WithMaxGoroutines(r.opt.Concurrency)}
}

func (e *syncExec) Send(req request.Request) { e.pool.Go(func() { e.r.work(req) }) }
func (e *syncExec) Wait()                    { e.pool.Wait() }

// work sends one row until it has a result or the run stops. A row that
// is abandoned because the run stopped is not committed: it stays pending
// in the state database and the next run sends it.
func (r *runner) work(p request.Request) {
	r.p.InFlight.Add(1)
	defer r.p.InFlight.Add(-1)
	m := r.modelFor(p.Model)
	if w := m.price.ContextWindow; m.priced && w > 0 && p.Text == "" && p.Tokens > w {
		// The API would refuse it, after an upload of the whole prompt.
		r.finish(r.failedRow(p, 0, "over_input", fmt.Sprintf("%s: prompt is %d tokens, over %s's input limit of %d: shorten it, or use a model with a larger context window", p.Pos, p.Tokens, m.name, w), 0, nil))
		return
	}
	attempts, failures := 0, 0
	var paid answercheck.Tries // answered tries of a structured answer (structured.go)
	for {
		permit, err := m.pacer.Admit(r.dispatchCtx, p.Charge)
		if err != nil {
			var tl *pace.ErrTooLarge
			if errors.As(err, &tl) {
				r.finish(r.failedRow(p, attempts, "too_large", fmt.Sprintf("%s: %v", p.Pos, err), 0, nil))
			}
			return
		}
		if r.dispatchCtx.Err() != nil {
			m.pacer.Cancel(permit)
			return
		}
		res, ok := r.reserve(p, m)
		if ok && r.dispatchCtx.Err() != nil {
			res.Release() // the run stopped while this one reserved
			ok = false
		}
		if !ok {
			m.pacer.Cancel(permit)
			return
		}
		attempts++
		r.requests.Add(1)
		start := r.clk.Now()
		resp, err := r.sendOne(p)
		latency := r.clk.Now().Sub(start)
		if err == nil {
			m.pacer.Done(permit, latency, resp.Header, true)
			r.succeeded()
			row := r.okRow(p, m, resp, attempts, latency)
			r.settle(p, res, row.CostUSD)
			if r.retryAnswer(p, &row, resp, &paid) {
				continue // a broken structured answer: paid, and sent again
			}
			r.finish(row)
			return
		}
		h, _ := client.Headers(err)
		m.pacer.Done(permit, latency, h, false)
		if res != nil {
			// Failed requests are not billed: hand the reservation back.
			res.Release()
		}
		if r.sendCtx.Err() != nil {
			return // abandoned after the drain timeout
		}
		c := client.Classify(err, r.clk.Now())
		switch c.Verdict {
		case client.RateLimited:
			r.p.Throttled.Add(1)
			wait := c.Wait
			if wait <= 0 {
				failures++
				wait = client.Backoff(failures, r.opt.BackoffBase, r.opt.BackoffMax, r.rand())
			}
			m.pacer.Pause(wait)
			r.report()
			if r.stalled(m) {
				return
			}
		case client.Retry:
			if c.Kind == "unreachable" && !r.hadSuccess() {
				r.fail(fmt.Errorf("cannot reach %s: %w (check --base-url)", r.client.URL(p.Model), err))
				return
			}
			failures++
			if r.stalled(m) {
				return
			}
			if failures >= r.opt.MaxAttempts {
				r.finish(r.pendingRow(p, attempts, c, err, latency))
				return
			}
			r.p.Retries.Add(1)
			if !clock.Sleep(r.dispatchCtx, r.clk, client.Backoff(failures, r.opt.BackoffBase, r.opt.BackoffMax, r.rand())) {
				return
			}
		case client.RowError:
			r.finish(r.failedRow(p, attempts, c.Kind, fmt.Sprintf("%s: %v", p.Pos, err), latency, err))
			return
		case client.Fatal:
			r.fail(fmt.Errorf("%w: check the API key (OPENAI_API_KEY or --api-key-file) and that it may use model %s", err, p.Model))
			return
		case client.OutOfCredit:
			r.stopWith(Stalled, fmt.Errorf("%w: the account is out of credit; add credit, then rerun the same command", err))
			return
		}
	}
}

func (r *runner) okRow(p request.Request, m *model, resp *client.Response, attempts int, latency time.Duration) checkpoint.Row {
	if p.Endpoint == request.EndpointEmbeddings {
		return r.embedLineRow(p, m, resp, attempts, latency)
	}
	return rows.OK(p, rows.Model{Name: m.name, Price: m.price, Priced: m.priced}, resp, attempts, latency, r.bodies)
}

func (r *runner) failedRow(p request.Request, attempts int, kind, msg string, latency time.Duration, err error) checkpoint.Row {
	return rows.Failed(p, attempts, kind, msg, latency, err)
}

func (r *runner) pendingRow(p request.Request, attempts int, c client.Class, err error, latency time.Duration) checkpoint.Row {
	return rows.GaveUp(p, attempts, c, err, latency)
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
	r.resolveCopies(row) // rows waiting on this one's answer (dedupe.go)
}

// counted adds a committed row to the progress figures.
func (r *runner) counted(row checkpoint.Row) {
	r.p.Done.Add(1)
	switch jobstate.StateOf(row.Status, row.ErrorKind) {
	case jobstate.RowOK:
		r.p.OK.Add(1)
		r.p.AddTokens(row)
	default: // a row that ran out of retries is failed here as in status
		r.p.Failed.Add(1)
		if row.CostUSD != nil {
			r.p.AddTokens(row) // broken structured answers, paid for (structured.go)
		}
		r.kinds.Add(row.ErrorKind, row.Error, row.Position)
	}
	r.report()
}

func (r *runner) reused(st checkpoint.Status) {
	r.p.Done.Add(1)
	r.p.Reused.Add(1)
	if st == checkpoint.StatusOK {
		r.p.OK.Add(1)
	} else {
		r.p.Failed.Add(1)
	}
	r.report()
}

// reserve books the row's worst-case cost against the cap. It returns
// false, and stops the run, when the cap would be crossed: the row is not
// sent and stays pending for a run with a higher cap.
func (r *runner) reserve(p request.Request, m *model) (*budget.Reservation, bool) {
	if r.cap == nil {
		return nil, true
	}
	if !m.priced {
		r.stopWith(Failed, fmt.Errorf("%s: --max-cost needs a price for model %s: give one with --prices FILE", p.Pos, m.name))
		return nil, false
	}
	worst := m.price.WorstCase(p.Tokens, p.MaxOut)
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
func roundUSD(v float64) float64 { return rows.RoundUSD(v) }

// lockedRand returns a uniform [0, 1) source safe for many workers.
func lockedRand(seed uint64) func() float64 {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	return func() float64 {
		mu.Lock()
		defer mu.Unlock()
		return rng.Float64()
	}
}
