package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/readers"
)

// estBatchSize is how many records travel to a worker at once: large enough
// that channel operations cost nothing next to tokenising, small enough
// that the records in flight stay a few MB.
const estBatchSize = 256

// estScan is one Estimate's streaming pass. The reader goroutine batches
// records, workers render and count them, and the calling goroutine alone
// folds the results into the counters, so no counter needs a lock.
type estScan struct {
	job    Job
	opt    EstimateOptions
	price  budget.Price
	prompt *Prompt
	maxOut int64
	// base is the chat tokens of the system message, the user message's
	// role and the reply priming: Counter.Chat is a sum over messages, so
	// a row's prompt tokens are base + Count(user text), exactly
	// Counter.Chat(system, user), without re-counting the system message.
	base int64

	e        EstimateReport
	stats    budget.TokenStats
	examples exampleKeeper
}

// estRow is what a worker learned about one row.
type estRow struct {
	seq          int64
	pos          readers.Position
	kind, err    string // kind "" for a row that rendered
	tokens, size int64
}

func newEstScan(job Job, opt EstimateOptions, price budget.Price, prompt *Prompt) *estScan {
	s := &estScan{job: job, opt: opt, price: price, prompt: prompt, examples: exampleKeeper{max: opt.MaxExamples}}
	s.maxOut, _ = maxOutputFor(job.Params.MaxTokens, price)
	msgs := make([]budget.Message, 0, 2)
	if job.System != "" {
		msgs = append(msgs, budget.Message{Role: "system", Content: job.System})
	}
	msgs = append(msgs, budget.Message{Role: "user"})
	s.base = int64(opt.Counter.Chat(job.Model, msgs))
	return s
}

// run streams in through the workers and folds every row into s.
func (s *estScan) run(ctx context.Context, in readers.Reader) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := s.opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	batches := make(chan []readers.Record, workers)
	results := make(chan []estRow, workers)

	var readErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(batches)
		readErr = s.read(ctx, in, batches)
	})
	var workWG sync.WaitGroup
	for range workers {
		workWG.Go(func() {
			for b := range batches {
				rows := make([]estRow, len(b))
				for i, rec := range b {
					rows[i] = s.measure(rec)
				}
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
			s.fold(r)
		}
	}
	wg.Wait()
	if readErr != nil {
		return readErr
	}
	return ctx.Err()
}

// read sends batches of records, stopping after Job.Limit rows. A record's
// Pos.Row counts every record read, malformed ones included, which is
// exactly Run's row number (its seq).
func (s *estScan) read(ctx context.Context, in readers.Reader, out chan<- []readers.Record) error {
	var n int64
	batch := make([]readers.Record, 0, estBatchSize)
	send := func() bool {
		if len(batch) == 0 {
			return true
		}
		select {
		case out <- batch:
			batch = make([]readers.Record, 0, estBatchSize)
			return true
		case <-ctx.Done():
			return false
		}
	}
	for s.job.Limit <= 0 || n < s.job.Limit {
		rec, err := in.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		n++
		if batch = append(batch, rec); len(batch) == estBatchSize && !send() {
			return ctx.Err()
		}
	}
	if !send() {
		return ctx.Err()
	}
	return nil
}

// measure renders and counts one row exactly as Run's prepare does.
func (s *estScan) measure(rec readers.Record) estRow {
	r := estRow{seq: rec.Pos.Row, pos: rec.Pos}
	if rec.Err != nil {
		r.kind, r.err = "parse", rec.Err.Error()
		return r
	}
	if s.job.IDColumn != "" {
		if f, ok := rec.Lookup(s.job.IDColumn); !ok || f.Null || f.Value == "" {
			r.kind, r.err = "id", fmt.Sprintf("id column %q is empty", s.job.IDColumn)
			return r
		}
	}
	text, err := s.prompt.Render(rec)
	if err != nil {
		r.kind, r.err = "render", err.Error()
		return r
	}
	r.size = int64(len(text))
	r.tokens = s.base + int64(s.opt.Counter.Count(s.job.Model, text))
	return r
}

// fold adds one row to the estimate; only the calling goroutine runs it.
func (s *estScan) fold(r estRow) {
	e := &s.e
	e.Rows++
	switch r.kind {
	case "parse", "render", "id":
		e.Failed++
		switch r.kind {
		case "parse":
			e.ParseErrors++
		case "render":
			e.RenderErrors++
		default:
			e.IDErrors++
		}
		s.examples.add(RowProblem{Row: r.seq, Position: r.pos.String(), Kind: r.kind, Error: r.err})
		return
	}
	e.PromptBytes += r.size
	s.stats.Add(r.tokens)
	window, tpm := s.price.ContextWindow, s.opt.Limits.TPM
	switch charge := budget.TPMCharge(r.tokens, s.maxOut); {
	case window > 0 && r.tokens > window:
		e.OverInput++
		s.examples.add(RowProblem{Row: r.seq, Position: r.pos.String(), Kind: "over_input",
			Error: fmt.Sprintf("prompt is %d tokens, over %s's input limit of %d", r.tokens, s.price.Model, window)})
	case tpm > 0 && float64(charge) > tpm:
		e.OverTPM++
		s.examples.add(RowProblem{Row: r.seq, Position: r.pos.String(), Kind: "over_tpm",
			Error: fmt.Sprintf("request is charged %d tokens (prompt %d + output cap %d), over the limit of %.0f per minute", charge, r.tokens, s.maxOut, tpm)})
	default:
		e.Requests++
		e.PromptTokens.Billed += r.tokens
		if window > 0 && charge > window {
			e.Tight++
		}
	}
}

// result finishes the counters into an EstimateReport.
func (s *estScan) result() EstimateReport {
	e := s.e
	st := &s.stats
	e.PromptTokens.Total, e.PromptTokens.Mean = st.Sum(), st.Mean()
	e.PromptTokens.Min, e.PromptTokens.Max = st.Min(), st.Max()
	e.PromptTokens.P50, e.PromptTokens.P95 = st.Quantile(0.5), st.Quantile(0.95)
	e.Problems = s.examples.sorted()
	return e
}

// exampleKeeper keeps the max problems with the lowest row numbers, so the
// examples are the first ones in input order whatever order the workers
// finish in.
type exampleKeeper struct {
	max   int
	items []RowProblem
}

func (k *exampleKeeper) add(p RowProblem) {
	if len(k.items) < k.max {
		k.items = append(k.items, p)
		return
	}
	last := 0
	for i, it := range k.items {
		if it.Row > k.items[last].Row {
			last = i
		}
	}
	if p.Row < k.items[last].Row {
		k.items[last] = p
	}
}

func (k *exampleKeeper) sorted() []RowProblem {
	out := slices.Clone(k.items)
	slices.SortFunc(out, func(a, b RowProblem) int { return cmp.Compare(a.Row, b.Row) })
	if out == nil {
		out = []RowProblem{}
	}
	return out
}
