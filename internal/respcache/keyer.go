package respcache

import (
	"net/url"
	"sync"
)

// Keyer computes the keys of requests sent to the URL urlOf gives for
// their model, parsing each model's URL once. It is safe for concurrent
// use.
type Keyer struct {
	urlOf func(model string) string
	mu    sync.Mutex
	where map[string][2]string // model → host, endpoint
}

// NewKeyer returns a Keyer for requests sent to urlOf(model).
func NewKeyer(urlOf func(model string) string) *Keyer {
	return &Keyer{urlOf: urlOf, where: map[string][2]string{}}
}

// Key returns the key of the request of model whose body hashes to hash:
// KeyOf the URL's host (with its port) and its path and query (which name
// the endpoint and, for Azure, the deployment and API version).
func (k *Keyer) Key(model, hash string) Key {
	k.mu.Lock()
	w, ok := k.where[model]
	if !ok {
		raw := k.urlOf(model)
		if u, err := url.Parse(raw); err == nil {
			w = [2]string{u.Host, u.Path + "?" + u.RawQuery}
		} else {
			w = [2]string{raw, ""} // cannot be sent either; still a key of its own
		}
		k.where[model] = w
	}
	k.mu.Unlock()
	return KeyOf(w[0], w[1], hash)
}
