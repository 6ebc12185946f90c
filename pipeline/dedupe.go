package pipeline

import (
	"context"
	"time"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/dedupe"
	"github.com/batchprompt/batchprompt/internal/request"
)

// Savings is what deduplication and the response cache saved in a run.
type Savings struct {
	Duplicates int64 // rows answered with a copy of another row's answer in the job
	CacheHits  int64 // rows answered from the response cache
	// SavedUSD is what those rows' usage would have cost at the job's
	// prices (rows of an unpriced model count nothing).
	SavedUSD float64
}

// openDedupe sets up deduplication and opens the response cache
// (internal/dedupe holds the logic; this is the run's side of it).
func (r *runner) openDedupe(ctx context.Context) error {
	urlOf := r.client.URL // the endpoint is part of the cache key
	if r.job.embeddings() {
		urlOf = r.client.EmbeddingsURL
	}
	dd, err := dedupe.Open(ctx, dedupe.Config{Dedupe: !r.opt.NoDedupe, Cache: r.opt.Cache, URLOf: urlOf}, dedupe.Hooks{
		Finish:  r.finish,
		Answers: r.db.Answers,
		Flushes: r.commit.Flushes,
		Price: func(model string) (budget.Price, bool) {
			m := r.modelFor(model)
			return m.price, m.priced
		},
		Now:    r.clk.Now,
		After:  func(d time.Duration) <-chan time.Time { return r.clk.NewTimer(d).C() },
		Warn:   r.opt.Logger.Warn,
		Bodies: r.bodies,
	})
	r.dd = dd
	return err
}

// closeDedupe stores the answers waiting for the cache and closes it.
func (r *runner) closeDedupe() {
	if r.dd != nil {
		r.dd.Close()
	}
}

// deduplicate answers the rows of a batch about to be claimed that a copy,
// the state database or the cache can answer (see dedupe.Run.Batch).
func (r *runner) deduplicate(ctx context.Context, send []request.Request) ([]request.Request, map[string]checkpoint.Row, error) {
	if r.dd == nil {
		return send, nil, nil
	}
	lead, answered, err := r.dd.Batch(ctx, send)
	if err != nil {
		return nil, nil, r.stateFailed(err)
	}
	return lead, answered, nil
}

// resolveCopies stores a committed answer in the cache and answers the
// rows waiting on it.
func (r *runner) resolveCopies(row checkpoint.Row) {
	if r.dd != nil {
		r.dd.Resolve(context.WithoutCancel(r.dispatchCtx), row)
	}
}

func (r *runner) savings() Savings {
	if r.dd == nil {
		return Savings{}
	}
	dups, hits, saved := r.dd.Savings()
	return Savings{Duplicates: dups, CacheHits: hits, SavedUSD: saved}
}
