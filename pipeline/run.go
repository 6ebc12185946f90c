package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sourcegraph/conc/pool"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/readers"
	"github.com/batchprompt/batchprompt/writers"
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
	counter *budget.Counter
	main    *model      // the job's --model
	cap     *budget.Cap // nil without --max-cost
	batch   bool        // the input is in the Batch API's format
	bodies  bool        // keep raw response bodies (for the openai-batch output)

	modelsMu sync.Mutex
	models   map[string]*model

	unlock func() // releases the state database's lock
	runID  int64

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

	readAll  atomic.Bool // the whole input (to --limit) has been read
	reportMu sync.Mutex
	randMu   sync.Mutex
	rng      *rand.Rand

	p        progressCounters
	kinds    kindTally
	requests atomic.Int64
}

func newRunner(ctx context.Context, job Job, opt Options) (*runner, error) {
	in, err := readers.Open(job.Input, readers.Options{Format: job.InputFormat, CSVDelimiter: job.CSVDelimiter, Stdin: job.Stdin})
	if err != nil {
		return nil, err
	}
	in, batch, err := detectBatch(ctx, in, job)
	if err != nil {
		in.Close()
		return nil, err
	}
	if batch {
		// custom_id is the row's identity; bodies carry the prompts.
		job.InputFormat = FormatOpenAIBatch
		if job.IDColumn == "" {
			job.IDColumn = "custom_id"
		}
	}
	r := &runner{job: job, opt: opt, input: in, batch: batch, counter: budget.NewCounter(), started: opt.Now()}
	r.rng = rand.New(rand.NewPCG(uint64(r.started.UnixNano()), 0x9e3779b97f4a7c15))
	if !batch {
		if r.prompt, err = NewPrompt(job.Template, job.PromptColumn); err != nil {
			in.Close()
			return nil, &ConfigError{Err: err}
		}
	}
	for _, o := range job.Outputs {
		if f, _ := writers.FormatFromPath(o); f == "openai-batch" {
			r.bodies = true
		}
	}
	r.bodies = r.bodies || batch
	if err := r.openState(ctx); err != nil {
		r.close()
		return nil, err
	}
	r.main = r.modelFor(job.Model)
	if opt.MaxCostUSD > 0 && !r.batch {
		if !r.main.priced {
			r.close()
			return nil, configErrorf("--max-cost needs a price for model %s, and the built-in table has none: give one with --prices FILE (JSON or YAML: {%q: {input: USD per 1M, output: USD per 1M}})", job.Model, job.Model)
		}
		spent, err := r.db.Spent(ctx)
		if err != nil {
			r.close()
			return nil, fmt.Errorf("state database %s: %w", job.State, err)
		}
		r.cap = budget.NewCap(opt.MaxCostUSD, spent)
	} else if opt.MaxCostUSD > 0 {
		spent, err := r.db.Spent(ctx)
		if err != nil {
			r.close()
			return nil, fmt.Errorf("state database %s: %w", job.State, err)
		}
		r.cap = budget.NewCap(opt.MaxCostUSD, spent)
	}
	r.client = NewClient(opt.Endpoint, opt.HTTPClient, opt.Concurrency)
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
	if r.unlock != nil {
		r.unlock()
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
	if r.readAll.Load() && readErr == nil {
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
		if err := r.writeOutputs(context.WithoutCancel(ctx)); err != nil {
			s.Stop, s.Err = Failed, err
		} else {
			s.Outputs = r.job.Outputs
		}
	}
	s.Finished = r.opt.Now()
	r.recordOutcome(s)
	return s, nil
}

// Meta keys the run records for `status` and `export`.
const (
	MetaOutputs  = "outputs"    // JSON list of the job's output paths
	MetaInput    = "input"      // the input path as given
	MetaRows     = "rows"       // input rows seen by the last run
	MetaComplete = "complete"   // "true" when the last run gave every row a result
	MetaStop     = "stop"       // the last run's StopReason
	MetaTotal    = "rows_total" // input rows (after --limit), recorded once a run has read the whole input
)

// recordOutcome notes in the state database how the run ended. It is
// advisory: the rows themselves are the truth.
func (r *runner) recordOutcome(s Summary) {
	ctx := context.Background()
	abs := make([]string, len(r.job.Outputs))
	for i, o := range r.job.Outputs {
		if a, err := filepath.Abs(o); err == nil {
			abs[i] = a
		} else {
			abs[i] = o
		}
	}
	outs, _ := json.Marshal(abs)
	complete := "false"
	if s.Stop == Completed {
		complete = "true"
	}
	meta := map[string]string{
		MetaOutputs: string(outs), MetaInput: r.job.Input, MetaRows: strconv.FormatInt(s.Rows, 10),
		MetaComplete: complete, MetaStop: s.Stop.String(),
	}
	if r.readAll.Load() {
		meta[MetaTotal] = strconv.FormatInt(s.Rows, 10)
	}
	for k, v := range meta {
		if err := r.db.SetMeta(ctx, k, v); err != nil {
			r.opt.Logger.Warn("could not record the run's outcome", "err", err)
			return
		}
	}
}

// dispatchBatch is how many input rows are checked against the state
// database at once: one lookup query and one claim transaction per batch,
// never one per row, and never every key in memory.
const dispatchBatch = 128

// dispatch reads the input and hands each row that needs sending to the
// worker pool. It returns the number of rows read and a fatal read error.
func (r *runner) dispatch() (int64, error) {
	p := pool.New().WithMaxGoroutines(r.opt.Concurrency)
	defer p.Wait()
	// Reading and rendering the next batch overlaps with routing this one
	// through the state database: on a resume, both are the whole cost of
	// reaching the first new row.
	batches := make(chan []pending, 2)
	var seq int64
	var readErr error
	routeCtx, stopReading := context.WithCancel(context.Background())
	defer stopReading()
	go func() {
		defer close(batches)
		for {
			batch := make([]pending, 0, dispatchBatch)
			stop, err := r.fill(&batch, &seq)
			if len(batch) > 0 {
				select {
				case batches <- batch:
				case <-routeCtx.Done():
					return
				}
			}
			if err != nil || stop {
				readErr = err
				return
			}
		}
	}()
	for batch := range batches {
		if err := r.route(batch, p); err != nil {
			stopReading()
			for range batches { // let the reader finish before reading seq
			}
			return seq, err
		}
	}
	return seq, readErr
}

// fill reads up to dispatchBatch rows into batch. stop reports the end of
// the input (or of --limit, or of the run).
func (r *runner) fill(batch *[]pending, seq *int64) (stop bool, err error) {
	for len(*batch) < dispatchBatch {
		if r.job.Limit > 0 && *seq >= r.job.Limit {
			r.readAll.Store(true)
			return true, nil
		}
		if r.dispatchCtx.Err() != nil {
			return true, nil
		}
		rec, err := r.input.Next(r.dispatchCtx)
		if errors.Is(err, io.EOF) {
			r.readAll.Store(true)
			return true, nil
		}
		if err != nil {
			if r.dispatchCtx.Err() != nil {
				return true, nil
			}
			r.fail(err)
			return true, err
		}
		r.p.read.Add(1)
		r.updateBytes()
		if r.job.Only != nil && !r.job.Only(*seq) {
			*seq++
			continue
		}
		*batch = append(*batch, r.prepare(rec, *seq))
		*seq++
	}
	return false, nil
}

// route decides, for one batch, which rows are answered already (reused),
// which are duplicates, and which must be sent, and claims the latter in
// the state database before they go out, so a duplicate id arriving while
// the first is still in flight is caught, and an interrupted run leaves
// them pending.
//
// It merges the input with the rows stored at the same positions (one
// range scan per batch): when the input is unchanged every row is found
// where it was, with no look-up by key and nothing written. Only rows that
// moved, changed or are new cost a look-up and a write.
func (r *runner) route(batch []pending, p *pool.Pool) error {
	ctx := context.WithoutCancel(r.dispatchCtx)
	first, last := batch[0].seq, batch[len(batch)-1].seq
	placed, err := r.db.AtSeq(ctx, first, last+1)
	if err != nil {
		return r.stateFailed(err)
	}
	at := make(map[int64][]checkpoint.Placed, len(placed))
	for _, pl := range placed {
		at[pl.Seq] = append(at[pl.Seq], pl)
	}
	found := make(map[string]checkpoint.Stored, len(batch))
	var lookup []string
	for _, row := range batch {
		if row.final != nil {
			continue
		}
		if pl, ok := placedKey(at[row.seq], row.key); ok {
			found[row.key] = checkpoint.Stored{RequestHash: pl.RequestHash, Status: pl.Status, Seq: pl.Seq, Position: pl.Position}
		} else {
			lookup = append(lookup, row.key)
		}
	}
	if len(lookup) > 0 {
		stored, err := r.db.Lookup(ctx, lookup)
		if err != nil {
			return r.stateFailed(err)
		}
		for k, s := range stored {
			found[k] = s
		}
	}

	var detach, moves []checkpoint.SeqUpdate
	var claims []checkpoint.Row
	var send []pending
	inBatch := map[string]string{}
	for i := range batch {
		row := &batch[i]
		s, known := found[row.key]
		if row.final == nil && r.job.IDColumn != "" {
			// Every position before this batch already belongs to this run,
			// so a key stored there was seen earlier in this input.
			if firstAt, ok := inBatch[row.key]; ok {
				r.duplicate(row, firstAt)
			} else if known && s.Seq >= 0 && s.Seq < first {
				r.duplicate(row, s.Position)
			} else {
				inBatch[row.key] = row.pos.String()
			}
		}
		// Whatever else was stored at this position is no longer there.
		for _, pl := range at[row.seq] {
			if pl.Key != row.key {
				detach = append(detach, checkpoint.SeqUpdate{Key: pl.Key, Seq: -1})
			}
		}
		if row.final != nil {
			if r.job.Strict {
				err := fmt.Errorf("%s (--strict)", row.final.Error)
				r.fail(err)
				return err
			}
			claims = append(claims, *row.final)
			continue
		}
		if known && s.RequestHash == row.hash &&
			(s.Status == checkpoint.StatusOK || (s.Status == checkpoint.StatusFailed && !r.job.RetryFailed)) {
			if s.Seq != row.seq {
				moves = append(moves, checkpoint.SeqUpdate{Key: row.key, Seq: row.seq})
			}
			r.reused(s.Status)
			continue
		}
		claims = append(claims, checkpoint.Row{
			Key: row.key, Seq: row.seq, RequestHash: row.hash, Status: checkpoint.StatusPending, ID: row.id,
			Kept: row.kept, Error: "not answered yet: rerun the same command to resume", ErrorKind: "pending",
			Position: row.pos.String(),
		})
		send = append(send, *row)
	}
	// Detach before moving: a row detached from one position may be moved
	// to a later one in this same batch.
	if touch := append(detach, moves...); len(touch) > 0 {
		if err := r.db.Touch(ctx, touch); err != nil {
			return r.stateFailed(err)
		}
	}
	if len(claims) > 0 {
		if err := r.db.Commit(ctx, claims); err != nil {
			return r.stateFailed(err)
		}
	}
	for _, row := range batch {
		if row.final != nil {
			r.counted(*row.final)
		}
	}
	for _, row := range send {
		if r.dispatchCtx.Err() != nil {
			return nil // claimed rows stay pending for the next run
		}
		r.count(&row)
		p.Go(func() { r.work(row) })
	}
	return nil
}

// placedKey finds key among the rows stored at one position.
func placedKey(pls []checkpoint.Placed, key string) (checkpoint.Placed, bool) {
	for _, pl := range pls {
		if pl.Key == key {
			return pl, true
		}
	}
	return checkpoint.Placed{}, false
}

func (r *runner) stateFailed(err error) error {
	err = fmt.Errorf("state database %s: %w", r.job.State, err)
	r.fail(err)
	return err
}
