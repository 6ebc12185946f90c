package pipeline

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/dedupe"
	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/internal/respcache"
)

// Savings is what deduplication and the response cache saved in a run.
type Savings struct {
	Duplicates int64 // rows answered with a copy of another row's answer in the job
	CacheHits  int64 // rows answered from the response cache
	// SavedUSD is what those rows' usage would have cost at the job's
	// prices (rows of an unpriced model count nothing).
	SavedUSD float64
}

// dedupeState is the run's deduplication and response cache; every field
// is nil when switched off (--no-dedupe, no --cache).
type dedupeState struct {
	table  *dedupe.Table[request.Request, checkpoint.Row]
	cache  *respcache.Cache
	writer *respcache.Writer

	keyer *respcache.Keyer
	mu    sync.Mutex
	keys  map[string]respcache.Key // the cache key of each request in flight, by hash

	duplicates, cacheHits, savedNano atomic.Int64
}

// openDedupe sets up deduplication and opens the response cache.
func (r *runner) openDedupe(ctx context.Context) error {
	if !r.opt.NoDedupe {
		r.dd.table = dedupe.New[request.Request, checkpoint.Row]()
	}
	if r.opt.Cache == "" {
		return nil
	}
	c, err := respcache.Open(ctx, r.opt.Cache)
	if err != nil {
		return err
	}
	urlOf := r.client.URL // the endpoint is part of the key
	if r.job.embeddings() {
		urlOf = r.client.EmbeddingsURL
	}
	r.dd.cache, r.dd.keyer, r.dd.keys = c, respcache.NewKeyer(urlOf), map[string]respcache.Key{}
	r.dd.writer = c.NewWriter(respcache.WriterOptions{After: func(d time.Duration) <-chan time.Time { return r.clk.NewTimer(d).C() }})
	return nil
}

// closeDedupe stores the answers waiting for the cache and closes it. A
// failure to store loses only a later saving, so it is a warning.
func (r *runner) closeDedupe() {
	if r.dd.writer != nil {
		if err := r.dd.writer.Close(); err != nil {
			r.opt.Logger.Warn("some answers were not stored in the response cache", "err", err)
		}
		r.dd.writer = nil
	}
	if r.dd.cache != nil {
		_ = r.dd.cache.Close()
		r.dd.cache = nil
	}
}

// deduplicate answers, among the rows of one batch about to be claimed,
// those whose request another row of the job answered or has in flight
// (a copy, now or when the leader's answer comes), that the state
// database answered (after a crash between a paid answer and its
// copies), or that the response cache holds. It returns the rows to send,
// and by key the rows answered now, which route commits in place of their
// pending claims (one write a row, visible before the next batch is
// routed). A row waiting on a leader in flight is claimed pending, so an
// interrupted run loses nothing.
func (r *runner) deduplicate(ctx context.Context, send []request.Request) ([]request.Request, map[string]checkpoint.Row, error) {
	d := &r.dd
	if d.table == nil && d.cache == nil {
		return send, nil, nil
	}
	b := &dedupeBatch{answered: map[string]checkpoint.Row{}, here: make(map[string]bool, len(send))}
	lead := send[:0:0]
	if d.table == nil {
		lead = send
	} else {
		d.table.Prune(r.commit.Flushes())
		for _, row := range send {
			b.here[row.Key] = true
			switch v, ans := d.table.Claim(row.Hash, dedupe.Follower(row)); v {
			case dedupe.Lead:
				lead = append(lead, row)
			case dedupe.Copy:
				b.answered[row.Key] = r.copyRow(row, ans, checkpoint.FromDuplicate)
			}
		}
		hashes := make([]string, len(lead))
		for i, row := range lead {
			hashes[i] = row.Hash
		}
		found, err := r.db.Answers(ctx, hashes)
		if err != nil {
			return nil, nil, r.stateFailed(err)
		}
		lead = r.answerLeaders(b, lead, func(row request.Request) (checkpoint.Row, bool) {
			ans, ok := found[row.Hash]
			return ans, ok
		}, checkpoint.FromDuplicate)
	}
	if d.cache == nil || len(lead) == 0 {
		return lead, b.answered, nil
	}
	keys := make([]respcache.Key, len(lead))
	for i, row := range lead {
		keys[i] = r.cacheKey(row)
	}
	hits, err := d.cache.Get(ctx, keys)
	if err != nil {
		// The cache only saves money: without it the rows are sent.
		r.opt.Logger.Warn("response cache unreadable; sending instead", "err", err)
		hits = nil
	}
	lead = r.answerLeaders(b, lead, func(row request.Request) (checkpoint.Row, bool) {
		a, ok := hits[r.cacheKey(row)]
		if !ok || (r.bodies && a.Body == nil) {
			return checkpoint.Row{}, false // an answer without the body this job's outputs need
		}
		return dedupe.FromCache(a), true
	}, checkpoint.FromCache)
	for _, row := range lead {
		k := r.cacheKey(row)
		d.mu.Lock()
		d.keys[row.Hash] = k
		d.mu.Unlock()
	}
	return lead, b.answered, nil
}

// dedupeBatch is what deduplicate learns of one batch.
type dedupeBatch struct {
	answered map[string]checkpoint.Row // by key: rows of the batch answered now
	here     map[string]bool           // the keys of the batch's rows
}

// answerLeaders answers each leader that answer finds an answer for with
// a copy served from from, and the rows that followed it with copies: a
// row of this batch through b, a row claimed by an earlier batch through
// finish. It returns the leaders still without an answer.
func (r *runner) answerLeaders(b *dedupeBatch, lead []request.Request, answer func(request.Request) (checkpoint.Row, bool), from checkpoint.Source) []request.Request {
	rest := lead[:0:0]
	for _, row := range lead {
		ans, ok := answer(row)
		if !ok {
			rest = append(rest, row)
			continue
		}
		cp := r.copyRow(row, ans, from)
		b.answered[row.Key] = cp
		if r.dd.table == nil {
			continue
		}
		// route commits cp before the next batch looks anything up.
		for _, f := range r.dd.table.Resolve(row.Hash, cp, dedupe.Visible) {
			if c := r.copyRow(f, cp, checkpoint.FromDuplicate); b.here[f.Key] {
				b.answered[f.Key] = c
			} else {
				r.finish(c)
			}
		}
	}
	return rest
}

// resolveCopies is called once a row sent to the API is committed: it
// stores a success in the response cache and answers the rows that were
// waiting on it, with copies of the success or of the failure (an
// identical request fails identically; a row that ran out of retries
// leaves its copies pending, for the next run to resend once).
func (r *runner) resolveCopies(row checkpoint.Row) {
	d := &r.dd
	if row.ServedFrom != checkpoint.FromAPI || row.RequestHash == "" {
		return
	}
	if d.writer != nil {
		d.mu.Lock()
		key, ok := d.keys[row.RequestHash]
		delete(d.keys, row.RequestHash)
		d.mu.Unlock()
		if ok && row.Status == checkpoint.StatusOK {
			d.writer.Add(context.WithoutCancel(r.dispatchCtx), respcache.Entry{Key: key, Answer: dedupe.ToCache(row, r.clk.Now())})
		}
	}
	if d.table == nil {
		return
	}
	var followers []request.Request
	if row.Status == checkpoint.StatusOK {
		followers = d.table.Resolve(row.RequestHash, row, r.commit.Flushes())
	} else {
		followers = d.table.Drop(row.RequestHash)
	}
	for _, f := range followers {
		r.finish(r.copyRow(f, row, checkpoint.FromDuplicate))
	}
}

// copyRow is row p answered with src's answer at no cost, as served
// from; a success counts toward the run's savings.
func (r *runner) copyRow(p request.Request, src checkpoint.Row, from checkpoint.Source) checkpoint.Row {
	out := dedupe.CopyRow(p, src, from, r.bodies)
	if src.Status != checkpoint.StatusOK {
		return out
	}
	if from == checkpoint.FromCache {
		r.dd.cacheHits.Add(1)
	} else {
		r.dd.duplicates.Add(1)
	}
	if m := r.modelFor(p.Model); m.priced {
		u := budget.Usage{PromptTokens: out.PromptTokens, CompletionTokens: out.CompletionTokens,
			CachedTokens: out.CachedTokens, ReasoningTokens: out.ReasoningTokens}
		r.dd.savedNano.Add(int64(math.Ceil(m.price.Cost(u) * 1e9)))
	}
	return out
}

// cacheKey is the response cache's key for row: its hash, and where it
// would be sent.
func (r *runner) cacheKey(row request.Request) respcache.Key {
	return r.dd.keyer.Key(row.Model, row.Hash)
}

func (r *runner) savings() Savings {
	return Savings{Duplicates: r.dd.duplicates.Load(), CacheHits: r.dd.cacheHits.Load(),
		SavedUSD: float64(r.dd.savedNano.Load()) / 1e9}
}
