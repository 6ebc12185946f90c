package pipeline

import (
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

// modelFor returns the run's record of name, creating it on first use. The
// limits given by flags apply to every model; learned limits are learned
// per model from its own responses.
func (r *runner) modelFor(name string) *model {
	r.modelsMu.Lock()
	defer r.modelsMu.Unlock()
	if m, ok := r.models[name]; ok {
		return m
	}
	m := &model{name: name, pacer: pace.New(name, pace.Config{
		Limits: r.opt.Limits, Headroom: r.opt.Headroom, Concurrency: r.opt.Concurrency,
	}, r.clk)}
	m.price, m.priced = r.opt.Prices.Lookup(name)
	if r.models == nil {
		r.models = map[string]*model{}
	}
	r.models[name] = m
	return m
}

// eachModel calls fn for every model the run has used so far.
func (r *runner) eachModel(fn func(*model)) {
	r.modelsMu.Lock()
	ms := make([]*model, 0, len(r.models))
	for _, m := range r.models {
		ms = append(ms, m)
	}
	r.modelsMu.Unlock()
	for _, m := range ms {
		fn(m)
	}
}
