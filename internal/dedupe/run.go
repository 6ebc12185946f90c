package dedupe

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/internal/respcache"
)

// Hooks are what a Run needs of the run it serves.
type Hooks struct {
	// Finish commits a copy made outside a routed batch (a row that was
	// waiting on a request in flight).
	Finish func(checkpoint.Row)
	// Answers returns the state database's successful answers by hash.
	Answers func(ctx context.Context, hashes []string) (map[string]checkpoint.Row, error)
	// Flushes is the committer's flush count (see Table.Prune).
	Flushes func() uint64
	// Price is a model's price, for what copies saved.
	Price func(model string) (budget.Price, bool)
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time // the cache writer's timer
	Warn  func(msg string, args ...any)
	// Bodies says the job's outputs need raw response bodies (the
	// openai-batch format): a cached answer without one is a miss.
	Bodies bool
}

// Config switches the two mechanisms.
type Config struct {
	Dedupe bool   // send identical requests once
	Cache  string // the response cache's path; "" for none
	// URLOf names where a model's requests go, for the cache key.
	URLOf func(model string) string
}

// Run is one run's deduplication and response cache: every field is nil
// when switched off. It is safe for concurrent use.
type Run struct {
	h      Hooks
	table  *Table[request.Request, checkpoint.Row]
	cache  *respcache.Cache
	writer *respcache.Writer
	keyer  *respcache.Keyer

	mu   sync.Mutex
	keys map[string]respcache.Key // the cache key of each request in flight, by hash

	duplicates, cacheHits, savedNano atomic.Int64
}

// Open sets up deduplication and opens the response cache.
func Open(ctx context.Context, cfg Config, h Hooks) (*Run, error) {
	d := &Run{h: h}
	if cfg.Dedupe {
		d.table = New[request.Request, checkpoint.Row]()
	}
	if cfg.Cache == "" {
		return d, nil
	}
	c, err := respcache.Open(ctx, cfg.Cache)
	if err != nil {
		return nil, err
	}
	d.cache, d.keyer, d.keys = c, respcache.NewKeyer(cfg.URLOf), map[string]respcache.Key{}
	d.writer = c.NewWriter(respcache.WriterOptions{After: h.After})
	return d, nil
}

// Close stores the answers waiting for the cache and closes it. A failure
// to store loses only a later saving, so it is a warning.
func (d *Run) Close() {
	if d.writer != nil {
		if err := d.writer.Close(); err != nil {
			d.h.Warn("some answers were not stored in the response cache", "err", err)
		}
		d.writer = nil
	}
	if d.cache != nil {
		_ = d.cache.Close()
		d.cache = nil
	}
}

// Savings returns how many rows were copies and cache hits, and what their
// usage would have cost.
func (d *Run) Savings() (duplicates, cacheHits int64, savedUSD float64) {
	return d.duplicates.Load(), d.cacheHits.Load(), float64(d.savedNano.Load()) / 1e9
}

// Batch answers, among the rows of one batch about to be claimed,
// those whose request another row of the job answered or has in flight
// (a copy, now or when the leader's answer comes), that the state
// database answered (after a crash between a paid answer and its
// copies), or that the response cache holds. It returns the rows to send,
// and by key the rows answered now, which route commits in place of their
// pending claims (one write a row, visible before the next batch is
// routed). A row waiting on a leader in flight is claimed pending, so an
// interrupted run loses nothing.
func (d *Run) Batch(ctx context.Context, send []request.Request) ([]request.Request, map[string]checkpoint.Row, error) {
	if d.table == nil && d.cache == nil {
		return send, nil, nil
	}
	b := &dedupeBatch{answered: map[string]checkpoint.Row{}, here: make(map[string]bool, len(send))}
	lead := send[:0:0]
	if d.table == nil {
		lead = send
	} else {
		d.table.Prune(d.h.Flushes())
		for _, row := range send {
			b.here[row.Key] = true
			switch v, ans := d.table.Claim(row.Hash, Follower(row)); v {
			case Lead:
				lead = append(lead, row)
			case Copy:
				b.answered[row.Key] = d.copyRow(row, ans, checkpoint.FromDuplicate)
			}
		}
		hashes := make([]string, len(lead))
		for i, row := range lead {
			hashes[i] = row.Hash
		}
		found, err := d.h.Answers(ctx, hashes)
		if err != nil {
			return nil, nil, err
		}
		lead = d.answerLeaders(b, lead, func(row request.Request) (checkpoint.Row, bool) {
			ans, ok := found[row.Hash]
			return ans, ok
		}, checkpoint.FromDuplicate)
	}
	if d.cache == nil || len(lead) == 0 {
		return lead, b.answered, nil
	}
	keys := make([]respcache.Key, len(lead))
	for i, row := range lead {
		keys[i] = d.cacheKey(row)
	}
	hits, err := d.cache.Get(ctx, keys)
	if err != nil {
		// The cache only saves money: without it the rows are sent.
		d.h.Warn("response cache unreadable; sending instead", "err", err)
		hits = nil
	}
	lead = d.answerLeaders(b, lead, func(row request.Request) (checkpoint.Row, bool) {
		a, ok := hits[d.cacheKey(row)]
		if !ok || (d.h.Bodies && a.Body == nil) {
			return checkpoint.Row{}, false // an answer without the body this job's outputs need
		}
		return FromCache(a), true
	}, checkpoint.FromCache)
	for _, row := range lead {
		k := d.cacheKey(row)
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
func (d *Run) answerLeaders(b *dedupeBatch, lead []request.Request, answer func(request.Request) (checkpoint.Row, bool), from checkpoint.Source) []request.Request {
	rest := lead[:0:0]
	for _, row := range lead {
		ans, ok := answer(row)
		if !ok {
			rest = append(rest, row)
			continue
		}
		cp := d.copyRow(row, ans, from)
		b.answered[row.Key] = cp
		if d.table == nil {
			continue
		}
		// route commits cp before the next batch looks anything up.
		for _, f := range d.table.Resolve(row.Hash, cp, Visible) {
			if c := d.copyRow(f, cp, checkpoint.FromDuplicate); b.here[f.Key] {
				b.answered[f.Key] = c
			} else {
				d.h.Finish(c)
			}
		}
	}
	return rest
}

// Resolve is called once a row sent to the API is committed: it
// stores a success in the response cache and answers the rows that were
// waiting on it, with copies of the success or of the failure (an
// identical request fails identically; a row that ran out of retries
// leaves its copies pending, for the next run to resend once).
func (d *Run) Resolve(ctx context.Context, row checkpoint.Row) {
	if row.ServedFrom != checkpoint.FromAPI || row.RequestHash == "" {
		return
	}
	if d.writer != nil {
		d.mu.Lock()
		key, ok := d.keys[row.RequestHash]
		delete(d.keys, row.RequestHash)
		d.mu.Unlock()
		if ok && row.Status == checkpoint.StatusOK {
			d.writer.Add(ctx, respcache.Entry{Key: key, Answer: ToCache(row, d.h.Now())})
		}
	}
	if d.table == nil {
		return
	}
	var followers []request.Request
	if row.Status == checkpoint.StatusOK {
		followers = d.table.Resolve(row.RequestHash, row, d.h.Flushes())
	} else {
		followers = d.table.Drop(row.RequestHash)
	}
	for _, f := range followers {
		d.h.Finish(d.copyRow(f, row, checkpoint.FromDuplicate))
	}
}

// copyRow is row p answered with src's answer at no cost, as served
// from; a success counts toward the run's savings.
func (d *Run) copyRow(p request.Request, src checkpoint.Row, from checkpoint.Source) checkpoint.Row {
	out := CopyRow(p, src, from, d.h.Bodies)
	if src.Status != checkpoint.StatusOK {
		return out
	}
	if from == checkpoint.FromCache {
		d.cacheHits.Add(1)
	} else {
		d.duplicates.Add(1)
	}
	if price, ok := d.h.Price(p.Model); ok {
		u := budget.Usage{PromptTokens: out.PromptTokens, CompletionTokens: out.CompletionTokens,
			CachedTokens: out.CachedTokens, ReasoningTokens: out.ReasoningTokens}
		d.savedNano.Add(int64(math.Ceil(price.Cost(u) * 1e9)))
	}
	return out
}

// cacheKey is the response cache's key for row: its hash, and where it
// would be sent.
func (d *Run) cacheKey(row request.Request) respcache.Key {
	return d.keyer.Key(row.Model, row.Hash)
}
