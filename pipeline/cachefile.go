package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/batchprompt/batchprompt/internal/client"
	"github.com/batchprompt/batchprompt/internal/estimate"
	"github.com/batchprompt/batchprompt/internal/respcache"
)

// CacheFigures describes a response cache: entries, bytes, the oldest
// and newest answers, entries per model.
type CacheFigures = respcache.Stats

// CacheStats reads the figures of the response cache at path (one pass
// over its answers).
func CacheStats(ctx context.Context, path string) (CacheFigures, error) {
	c, err := respcache.Open(ctx, path)
	if err != nil {
		return CacheFigures{}, err
	}
	defer c.Close()
	return c.Stats(ctx)
}

// PruneCache deletes the answers stored in the response cache at path
// before cutoff, and returns how many. Jobs may use the cache meanwhile.
func PruneCache(ctx context.Context, path string, cutoff time.Time) (int64, error) {
	c, err := respcache.Open(ctx, path)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	n, err := c.Prune(ctx, cutoff)
	if err != nil {
		return 0, fmt.Errorf("prune: %w", err)
	}
	return n, nil
}

// CacheQuery names a request for [EstimateOptions].Cached.
type CacheQuery = estimate.CacheQuery

// CacheLookup opens the response cache at path for an estimate: set
// [EstimateOptions].Cached to the function it returns, so that the rows
// the cache answers (sent to ep's chat or, with embeddings, embeddings
// endpoint, as Run would send them) count as cache hits. Call close when
// the estimate is done. Cost: one indexed query per batch of up to 256
// rows.
func CacheLookup(ctx context.Context, path string, ep Endpoint, embeddings bool) (cached func(context.Context, []CacheQuery) ([]bool, error), close func() error, err error) {
	c, err := respcache.Open(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	cl := client.NewClient(ep, nil, 0)
	urlOf := cl.URL
	if embeddings {
		urlOf = cl.EmbeddingsURL
	}
	keyer := respcache.NewKeyer(urlOf)
	cached = func(ctx context.Context, qs []CacheQuery) ([]bool, error) {
		keys := make([]respcache.Key, len(qs))
		for i, q := range qs {
			keys[i] = keyer.Key(q.Model, q.Hash)
		}
		hits, err := c.Get(ctx, keys)
		if err != nil {
			return nil, err
		}
		out := make([]bool, len(qs))
		for i, k := range keys {
			_, out[i] = hits[k]
		}
		return out, nil
	}
	return cached, c.Close, nil
}
