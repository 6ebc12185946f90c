package pipeline

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/answercheck"
	"github.com/batchprompt/batchprompt/internal/client"
	"github.com/batchprompt/batchprompt/internal/clock"
	"github.com/batchprompt/batchprompt/internal/dedupe"
	"github.com/batchprompt/batchprompt/internal/jobstate"
	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/internal/runstats"
	"github.com/batchprompt/batchprompt/readers"
)

// Run executes job: it streams the input, sends every row that has no
// result yet in the job's state database, commits each result as it
// completes, and, once every row has a result, writes the outputs from the
// database in input order.
//
// Run returns a *ConfigError for a job that cannot start as configured and
// another error for a fatal failure before any work (an unreadable input or
// state database). Everything that happens after work starts is reported
// in the Summary: Stop says whether the job completed, and the state
// database is consistent in every case, so running the same job again
// resumes it.
//
// Cancelling ctx stops taking new rows; requests already sent may finish
// for up to Options.DrainTimeout, and their results are committed.
func Run(ctx context.Context, job Job, opt Options) (Summary, error) {
	opt.setDefaults()
	if err := job.validate(); err != nil {
		return Summary{}, err
	}
	job.dropKeptID()
	if err := job.checkOutputs(opt.Logger); err != nil {
		return Summary{}, err
	}
	r, err := newRunner(ctx, job, opt)
	if err != nil {
		return Summary{}, err
	}
	defer r.close()
	return r.run(ctx)
}

// runner holds one run's state.
type runner struct {
	job    Job
	opt    Options
	clk    clock.Clock
	render *request.Renderer
	input  readers.Reader
	db     *checkpoint.DB
	commit *checkpoint.Committer
	client *client.Client
	main   *model      // the job's --model
	cap    *budget.Cap // nil without --max-cost
	batch  bool        // the input is in the Batch API's format
	bodies bool        // keep raw response bodies (for the openai-batch output)

	// answers checks structured answers (nil: no response_format).
	answers *answercheck.Checker

	models modelSet
	dd     *dedupe.Run // deduplication and the response cache; nil until opened

	unlock func() // releases the state database's lock
	// refreshKept is set when --keep differs from the columns stored: the
	// run rewrites reused rows' kept values from the input.
	refreshKept bool

	dispatchCtx  context.Context // ends when no new request may start
	stopDispatch context.CancelFunc
	sendCtx      context.Context // ends when requests in flight must be abandoned
	abortSends   context.CancelFunc

	mu      sync.Mutex
	stop    StopReason
	stopErr error
	anyOK   bool
	started time.Time

	readAll  atomic.Bool    // the whole input (to --limit) has been read
	reportMu sync.Mutex     // serialises Options.Progress calls
	rand     func() float64 // the backoff's jitter: Options.Rand, or a locked PCG

	p        runstats.Counters
	kinds    runstats.Tally
	requests atomic.Int64
	batchSum BatchSummary // a Batch API run's figures, set by batchExec.Wait
}

func newRunner(ctx context.Context, job Job, opt Options) (*runner, error) {
	in, render, batch, err := openRendered(ctx, &job, opt.Prices, true)
	if err != nil {
		return nil, err
	}
	clk := clock.Or(opt.Clock)
	r := &runner{job: job, opt: opt, clk: clk, input: in, render: render, batch: batch, started: clk.Now()}
	r.rand = opt.Rand
	if r.rand == nil {
		r.rand = lockedRand(uint64(r.started.UnixNano()))
	}
	if r.answers, err = job.answerChecker(); err != nil {
		in.Close()
		return nil, err
	}
	for _, o := range job.Outputs {
		if f, _ := jobstate.OutputFormat(o, job.OutputFormat); f == "openai-batch" {
			r.bodies = true
		}
	}
	r.bodies = r.bodies || batch
	if err := r.openState(ctx); err != nil {
		r.close()
		return nil, err
	}
	r.main = r.modelFor(job.Model)
	if opt.MaxCostUSD > 0 {
		if !r.batch && !r.main.priced {
			r.close()
			return nil, configErrorf("--max-cost needs a price for model %s, and the built-in table has none: give one with --prices FILE (JSON or YAML: {%q: {input: USD per 1M, output: USD per 1M}})", job.Model, job.Model)
		}
		spent, err := r.db.Spent(ctx)
		if err != nil {
			r.close()
			return nil, fmt.Errorf("state database %s: %w", job.State, err)
		}
		r.cap = budget.NewCap(opt.MaxCostUSD, spent)
	}
	r.client = client.NewClient(opt.Endpoint, opt.HTTPClient, opt.Concurrency)
	co := checkpoint.CommitterOptions{After: func(d time.Duration) <-chan time.Time { return clk.NewTimer(d).C() }}
	if job.embeddings() {
		co.MaxRows = 4096 // a packed answer brings up to 2,048 rows at once: commit them in few transactions
	}
	r.commit = checkpoint.NewCommitter(r.db, co)
	if err := r.openDedupe(ctx); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

func (r *runner) close() {
	if r.commit != nil {
		_ = r.commit.Close(context.Background())
	}
	r.closeDedupe()
	if r.db != nil {
		_ = r.db.Close()
	}
	if r.input != nil {
		_ = r.input.Close()
	}
	if r.unlock != nil {
		r.unlock()
	}
}

func (r *runner) run(ctx context.Context) (Summary, error) {
	r.dispatchCtx, r.stopDispatch = context.WithCancel(ctx)
	defer r.stopDispatch()
	r.sendCtx, r.abortSends = context.WithCancel(context.WithoutCancel(ctx))
	defer r.abortSends()
	defer r.drain(ctx)()

	rows, readErr := r.dispatch(r.executor())
	if err := r.commit.Close(context.Background()); err != nil {
		r.fail(fmt.Errorf("state database %s: %w", r.job.State, err))
	}
	// A --limit trial read only the input's head: the rows after it are
	// still the job's, not rows deleted from the input.
	var trial int64
	if r.job.Limit > 0 && rows >= r.job.Limit {
		trial = rows
	}
	if r.readAll.Load() && readErr == nil && trial == 0 {
		// Lines deleted from the end of the input leave rows behind.
		if err := r.db.DetachFrom(context.Background(), rows); err != nil {
			r.fail(fmt.Errorf("state database %s: %w", r.job.State, err))
		}
	}
	s := r.summary(rows)
	if readErr != nil {
		s.Stop, s.Err = Failed, readErr
	}
	if ctx.Err() != nil && s.Stop == Completed {
		s.Stop = Interrupted
	}
	if s.Stop == Completed && s.Done != rows {
		// Not every row got a result: never publish an incomplete output.
		s.Stop, s.Err = Interrupted, fmt.Errorf("%d of %d rows have no result yet", rows-s.Done, rows)
	}
	if s.Stop == Completed {
		p, err := r.publish(context.WithoutCancel(ctx), trial)
		s.Outputs, s.Kept = p.Written, p.Kept
		if err != nil {
			s.Stop, s.Err = Failed, err
		}
	}
	s.Finished = r.clk.Now()
	r.recordOutcome(s, trial > 0)
	return s, nil
}

// learnedLimits are each model's limits in force now (given or learned).
func (r *runner) learnedLimits() map[string]jobstate.Limits {
	out := map[string]jobstate.Limits{}
	r.eachModel(func(m *model) {
		if l := m.pacer.Limits(); l.RPM > 0 || l.TPM > 0 {
			out[m.name] = jobstate.Limits(l)
		}
	})
	return out
}

// recordOutcome notes in the state database how the run ended. It is
// advisory: the rows themselves are the truth. A --limit trial records
// only what it learned: the job's outcome stays its last full run's.
func (r *runner) recordOutcome(s Summary, trial bool) {
	err := jobstate.RecordOutcome(context.Background(), r.db, jobstate.Outcome{
		Outputs: r.job.Outputs, Input: r.job.Input, Rows: s.Rows, Complete: s.Stop == Completed,
		Stop: s.Stop.String(), ReadAll: r.readAll.Load() && !trial, Keep: r.job.Keep, Limits: r.learnedLimits(),
		Trial: trial,
	})
	if err != nil {
		r.opt.Logger.Warn("could not record the run's outcome", "err", err)
	}
}
