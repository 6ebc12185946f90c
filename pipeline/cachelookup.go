package pipeline

import (
	"context"

	"github.com/batchprompt/batchprompt/internal/client"
	"github.com/batchprompt/batchprompt/internal/estimate"
	"github.com/batchprompt/batchprompt/internal/respcache"
)

// CacheQuery names a request for [EstimateOptions].Cached.
type CacheQuery = estimate.CacheQuery

// CacheLookup opens the response cache at path for an estimate: set
// [EstimateOptions].Cached to the function it returns, so that the rows
// the cache answers (sent to ep's chat or, with embeddings, embeddings
// endpoint, as Run would send them) count as cache hits. Call close when
// the estimate is done. Cost: one indexed query per batch of up to 256
// rows.
func CacheLookup(ctx context.Context, path string, ep Endpoint, embeddings bool) (cached func(context.Context, []CacheQuery) ([]bool, error), close func() error, err error) {
	cl := client.NewClient(ep, nil, 0)
	urlOf := cl.URL
	if embeddings {
		urlOf = cl.EmbeddingsURL
	}
	return respcache.Lookup(ctx, path, urlOf)
}
