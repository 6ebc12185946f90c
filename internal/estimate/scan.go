package estimate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/readers"
)

// batchSize is how many records travel to a worker at once: large enough
// that channel operations cost nothing next to tokenising, small enough
// that the records in flight stay a few MB.
const batchSize = 256

// Spec is what an estimate needs of the job besides its rows.
type Spec struct {
	Model     string // the job's model; Batch API bodies may name others
	MaxTokens *int64 // --max-tokens: the output range's high end when set
	Limit     int64  // > 0: only the first Limit rows
	Batch     bool   // the rows are Batch API lines: one report per model
	// Embeddings: the rows are texts to embed (request.EndpointEmbeddings),
	// packed up to EmbedBatch (0: the API's 2048) to a request; Requests
	// counts packed requests, and there are no output tokens.
	Embeddings bool
	EmbedBatch int
}

// Scan reads in to its end (or spec.Limit), renders every record with
// render exactly as run does, and returns one report for a templated job,
// or one per model, sorted by name, for Batch API lines (lines that cannot
// be sent count under spec.Model).
//
// It streams in constant memory: per row it keeps only counters and a
// fixed-size histogram, never the row. Rendering and counting run on
// opt.Workers goroutines; tokenising dominates, about 8 MB of prompt text
// per CPU-second. A model missing from the price table is an error
// wrapping ErrUnpriced. Duplicate ids are not detected (that needs every
// id in memory): run reports them.
func Scan(ctx context.Context, in readers.Reader, render *request.Renderer, spec Spec, opt Options) ([]Report, error) {
	opt.setDefaults()
	s := &scan{spec: spec, opt: opt, render: render, accs: map[string]*acc{}}
	if !spec.Batch {
		s.accFor(spec.Model) // a templated job reports its model even with no rows
	}
	if err := s.run(ctx, in); err != nil {
		return nil, err
	}
	return s.reports(), nil
}

func (opt *Options) setDefaults() {
	if opt.Prices == nil {
		opt.Prices = budget.DefaultPrices()
	}
	if opt.MaxExamples <= 0 {
		opt.MaxExamples = DefaultMaxExamples
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
}

// scan is one estimate's streaming pass. The reader goroutine batches
// records, workers render and count them, and the calling goroutine alone
// folds the results into the accumulators, so none needs a lock.
type scan struct {
	spec   Spec
	opt    Options
	render *request.Renderer
	accs   map[string]*acc
	err    error // the first fold error

	seen     map[[16]byte]struct{} // the distinct requests so far (Options.Dedupe)
	cacheMu  sync.Mutex
	cacheErr error // the first error of Options.Cached
}

// row is what a worker learned about one record.
type row struct {
	seq          int64
	pos          readers.Position
	kind, err    string // kind "" for a row that can be sent
	model        string
	tokens, size int64
	maxOut       int64
	hash         string // the request's hash, for Options.Dedupe and Cached
	cached       bool   // the response cache answers it
}

func (s *scan) run(ctx context.Context, in readers.Reader) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []readers.Record, s.opt.Workers)
	results := make(chan []row, s.opt.Workers)
	var readErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(batches)
		readErr = s.read(ctx, in, batches)
	})
	var workWG sync.WaitGroup
	for range s.opt.Workers {
		workWG.Go(func() {
			for b := range batches {
				rows := make([]row, len(b))
				for i, rec := range b {
					rows[i] = s.measure(rec)
				}
				s.markCached(ctx, rows)
				select {
				case results <- rows:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() { workWG.Wait(); close(results) }()
	for rows := range results {
		for _, r := range rows {
			if s.err == nil {
				s.fold(r)
			}
			if s.err != nil {
				cancel()
			}
		}
	}
	wg.Wait()
	switch {
	case s.err != nil:
		return s.err
	case s.cacheErr != nil:
		return s.cacheErr
	case readErr != nil:
		return readErr
	}
	return ctx.Err()
}

// read sends batches of records, stopping after spec.Limit rows. A
// record's Pos.Row counts every record read, malformed ones included,
// which is exactly run's row number.
func (s *scan) read(ctx context.Context, in readers.Reader, out chan<- []readers.Record) error {
	var n int64
	batch := make([]readers.Record, 0, batchSize)
	send := func() bool {
		if len(batch) == 0 {
			return true
		}
		select {
		case out <- batch:
			batch = make([]readers.Record, 0, batchSize)
			return true
		case <-ctx.Done():
			return false
		}
	}
	for s.spec.Limit <= 0 || n < s.spec.Limit {
		rec, err := in.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		n++
		if batch = append(batch, rec); len(batch) == batchSize && !send() {
			return ctx.Err()
		}
	}
	if !send() {
		return ctx.Err()
	}
	return nil
}

// measure renders and counts one record through the renderer.
func (s *scan) measure(rec readers.Record) row {
	p := s.render.Render(rec, rec.Pos.Row)
	r := row{seq: rec.Pos.Row, pos: rec.Pos, model: s.spec.Model}
	if p.Err != nil {
		r.kind, r.err = problemKind(p.Err.Kind), strings.TrimPrefix(p.Err.Msg, rec.Pos.String()+": ")
		return r
	}
	r.model, r.maxOut, r.size, r.hash = p.Model, p.MaxOut, p.PromptBytes(), p.Hash
	s.render.Count(&p)
	r.tokens = p.Tokens
	return r
}

// problemKind folds the renderer's error kinds into the estimate's three:
// parse, id and render (anything else a line can get wrong).
func problemKind(kind string) string {
	switch kind {
	case "parse", "id":
		return kind
	}
	return "render"
}

// accFor returns the accumulator of model, making it on first use. A
// model the price table lacks is estimated all the same, with no cost.
func (s *scan) accFor(model string) *acc {
	if a, ok := s.accs[model]; ok {
		return a
	}
	price, priced := s.opt.Prices.Lookup(model)
	a := &acc{price: price, priced: priced, examples: exampleKeeper{max: s.opt.MaxExamples}}
	s.accs[model] = a
	return a
}

func (s *scan) fold(r row) {
	if !s.foldSaved(r) {
		s.accFor(r.model).fold(r, s.opt.Limits.TPM)
	}
}

// Unpriced returns an error wrapping ErrUnpriced that says how to price
// model, for callers that need a cost (--max-cost, --sample).
func Unpriced(model string, prices *budget.Prices) error {
	return fmt.Errorf("%w: %q is not in the price table (%s), so its cost is unknown; "+
		`add it with --prices FILE, a JSON or YAML file such as {"%s": {"input": 0.15, "output": 0.60, "context_window": 128000, "max_output": 16384}} (USD per 1M tokens)`,
		ErrUnpriced, model, prices.Source(), model)
}

// reports finishes every accumulator, sorted by model.
func (s *scan) reports() []Report {
	models := make([]string, 0, len(s.accs))
	for m := range s.accs {
		models = append(models, m)
	}
	sort.Strings(models)
	out := make([]Report, 0, len(models))
	for _, m := range models {
		a := s.accs[m]
		e := a.result()
		e.Model, e.Price, e.PriceModel, e.PriceSource, e.Priced = m, a.price, a.price.Model, s.opt.Prices.Source(), a.priced
		maxTokens := s.spec.MaxTokens
		if s.spec.Batch {
			maxTokens = &a.maxCap // each body sets its own cap: the largest bounds the range
		}
		e.Output = outputRange(maxTokens, s.opt.ExpectOutputTokens, a.price, e.Requests)
		if s.spec.Embeddings {
			embeddings(&e, s.spec.EmbedBatch)
		}
		if a.priced {
			c := costRange(a.price, e.PromptTokens.Billed, e.Output)
			e.Cost = &c
		}
		e.Duration = estimateDuration(e.Requests, a.charge, s.opt.Limits)
		e.ApproxPromptTokensPerRow = s.render.FormatTokens()
		out = append(out, e)
	}
	return out
}
