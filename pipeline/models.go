package pipeline

import "github.com/batchprompt/batchprompt/budget"

// model is what the run knows of one model: rate limits are per model, and
// so are prices. A templated job has one; a Batch-API-format input may name
// several, one per request body.
type model struct {
	name    string
	price   budget.Price
	priced  bool
	limiter *Limiter
	gate    *Gate
}

// maxOutput is the output cap a request is charged for when it sets none:
// the model's maximum output (the conservative reading of OpenAI's rule),
// or 4096 for a model we know nothing about.
func (m *model) maxOutput() int64 {
	if m.priced && m.price.MaxOutput > 0 {
		return m.price.MaxOutput
	}
	return 4096
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
	m := &model{name: name, limiter: NewLimiter(r.opt.Limits, r.opt.Headroom, r.opt.Now), gate: NewGate(r.opt.Concurrency, r.opt.Now)}
	m.price, m.priced = r.opt.Prices.Lookup(name)
	if r.models == nil {
		r.models = map[string]*model{}
	}
	r.models[name] = m
	return m
}
