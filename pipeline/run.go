package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sourcegraph/conc/pool"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/checkpoint"
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
	if err := job.checkOutputs(); err != nil {
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
	job     Job
	opt     Options
	prompt  *Prompt
	input   readers.Reader
	db      *checkpoint.DB
	commit  *checkpoint.Committer
	client  *Client
	limiter *Limiter
	counter *budget.Counter
	price   budget.Price
	priced  bool
	prev    map[string]prevRow
	runID   int64

	dispatchCtx  context.Context // ends when no new request may start
	stopDispatch context.CancelFunc
	sendCtx      context.Context // ends when requests in flight must be abandoned
	abortSends   context.CancelFunc

	mu       sync.Mutex
	stop     StopReason
	stopErr  error
	pausedTo time.Time // global rate-limit pause
	lastOK   time.Time
	anyOK    bool
	started  time.Time

	randMu sync.Mutex
	rng    *rand.Rand

	p        progressCounters
	kinds    kindTally
	requests atomic.Int64
}

type prevRow struct {
	hash   string
	status checkpoint.Status
}

func newRunner(ctx context.Context, job Job, opt Options) (*runner, error) {
	prompt, err := NewPrompt(job.Template, job.PromptColumn)
	if err != nil {
		return nil, &ConfigError{Err: err}
	}
	r := &runner{job: job, opt: opt, prompt: prompt, counter: budget.NewCounter(), started: opt.Now()}
	r.rng = rand.New(rand.NewPCG(uint64(r.started.UnixNano()), 0x9e3779b97f4a7c15))
	r.price, r.priced = opt.Prices.Lookup(job.Model)

	in, err := readers.Open(job.Input, readers.Options{Format: job.InputFormat, CSVDelimiter: job.CSVDelimiter, Stdin: job.Stdin})
	if err != nil {
		return nil, err
	}
	r.input = in
	if err := r.openState(ctx); err != nil {
		in.Close()
		return nil, err
	}
	r.client = NewClient(opt.Endpoint, opt.HTTPClient, opt.Concurrency)
	r.limiter = NewLimiter(opt.Limits, opt.Headroom, opt.Now)
	r.commit = checkpoint.NewCommitter(r.db, checkpoint.CommitterOptions{})
	return r, nil
}

func (r *runner) close() {
	if r.commit != nil {
		_ = r.commit.Close(context.Background())
	}
	if r.db != nil {
		_ = r.db.Close()
	}
	if r.input != nil {
		_ = r.input.Close()
	}
}

func (r *runner) run(ctx context.Context) (Summary, error) {
	r.dispatchCtx, r.stopDispatch = context.WithCancel(ctx)
	defer r.stopDispatch()
	r.sendCtx, r.abortSends = context.WithCancel(context.WithoutCancel(ctx))
	defer r.abortSends()
	// When the caller stops us, requests already sent get DrainTimeout to
	// finish so that their (paid) results are committed.
	drainDone := make(chan struct{})
	defer close(drainDone)
	go func() {
		select {
		case <-ctx.Done():
		case <-drainDone:
			return
		}
		t := time.NewTimer(r.opt.DrainTimeout)
		defer t.Stop()
		select {
		case <-t.C:
			r.abortSends()
		case <-drainDone:
		}
	}()

	rows, readErr := r.dispatch()
	if err := r.commit.Close(context.Background()); err != nil {
		r.fail(fmt.Errorf("state database %s: %w", r.job.State, err))
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
		if err := r.writeOutputs(context.WithoutCancel(ctx)); err != nil {
			s.Stop, s.Err = Failed, err
		} else {
			s.Outputs = r.job.Outputs
		}
	}
	s.Finished = r.opt.Now()
	return s, nil
}

// dispatch reads the input and hands each row to the worker pool. It
// returns the number of rows read and a fatal read error, if any.
func (r *runner) dispatch() (int64, error) {
	p := pool.New().WithMaxGoroutines(r.opt.Concurrency)
	defer p.Wait()
	ids := newIDSet()
	var seq int64
	touch := newToucher(r.db)
	defer func() {
		if err := touch.flush(context.Background()); err != nil {
			r.fail(fmt.Errorf("state database %s: %w", r.job.State, err))
		}
	}()
	for {
		if r.job.Limit > 0 && seq >= r.job.Limit {
			return seq, nil
		}
		if r.dispatchCtx.Err() != nil {
			return seq, nil
		}
		rec, err := r.input.Next(r.dispatchCtx)
		if errors.Is(err, io.EOF) {
			return seq, nil
		}
		if err != nil {
			if r.dispatchCtx.Err() != nil {
				return seq, nil
			}
			r.fail(err)
			return seq, err
		}
		r.p.read.Add(1)
		r.updateBytes()
		row := r.prepare(rec, seq, ids)
		seq++
		if row.final != nil {
			if r.job.Strict {
				err := fmt.Errorf("%s (--strict)", row.final.Error)
				r.fail(err)
				return seq, err
			}
			r.finish(*row.final)
			continue
		}
		if prev, ok := r.prev[row.key]; ok && prev.hash == row.hash &&
			(prev.status == checkpoint.StatusOK || (prev.status == checkpoint.StatusFailed && !r.job.RetryFailed)) {
			if err := touch.add(r.dispatchCtx, row.key, row.seq); err != nil {
				r.fail(fmt.Errorf("state database %s: %w", r.job.State, err))
				return seq, nil
			}
			r.reused(prev.status)
			continue
		}
		p.Go(func() { r.work(row) })
	}
}
