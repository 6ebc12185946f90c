package respcache

import "context"

// Query names a request to look up: its model (which, with urlOf, says
// where it would be sent) and its request hash.
type Query struct{ Model, Hash string }

// Lookup opens the cache at path for questions of the form "which of these
// requests does the cache answer?", as an estimate asks them. urlOf names
// where a model's requests go (part of the key). Call close when done.
// Cost: one indexed query per call.
func Lookup(ctx context.Context, path string, urlOf func(model string) string) (cached func(context.Context, []Query) ([]bool, error), close func() error, err error) {
	c, err := Open(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	keyer := NewKeyer(urlOf)
	cached = func(ctx context.Context, qs []Query) ([]bool, error) {
		keys := make([]Key, len(qs))
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
