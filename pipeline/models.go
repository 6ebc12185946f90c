package pipeline

import (
	"sync"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/pace"
)

// model is what the run knows of one model: rate limits are per model, and
// so are prices. A templated job has one; a Batch-API-format input may name
// several, one per request body.
type model struct {
	name   string
	price  budget.Price
	priced bool
	pacer  *pace.Pacer
}

// modelSet is the models a run has met, by name.
type modelSet struct {
	mu sync.Mutex
	m  map[string]*model
}

// modelFor returns the run's record of name, creating it on first use. The
// limits given by flags apply to every model; learned limits are learned
// per model from its own responses.
func (r *runner) modelFor(name string) *model {
	ms := &r.models
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if m, ok := ms.m[name]; ok {
		return m
	}
	m := &model{name: name, pacer: pace.New(name, pace.Config{
		Limits: r.opt.Limits, Headroom: r.opt.Headroom, Concurrency: r.opt.Concurrency,
	}, r.clk)}
	m.price, m.priced = r.opt.Prices.Lookup(name)
	if ms.m == nil {
		ms.m = map[string]*model{}
	}
	ms.m[name] = m
	return m
}

// eachModel calls fn for every model the run has used so far.
func (r *runner) eachModel(fn func(*model)) {
	r.models.mu.Lock()
	all := make([]*model, 0, len(r.models.m))
	for _, m := range r.models.m {
		all = append(all, m)
	}
	r.models.mu.Unlock()
	for _, m := range all {
		fn(m)
	}
}
