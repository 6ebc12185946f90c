package estimate

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/batchprompt/batchprompt/budget"
)

// acc folds the rows of one model into its report.
type acc struct {
	price    budget.Price
	priced   bool
	e        Report
	stats    budget.TokenStats
	examples exampleKeeper
	maxCap   int64 // the largest output cap among the model's requests
	charge   int64 // the TPM charge of the billed requests
}

func (a *acc) fold(r row, tpm float64) {
	e := &a.e
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
		a.examples.add(RowProblem{Row: r.seq, Position: r.pos.String(), Kind: r.kind, Error: r.err})
		return
	}
	e.PromptBytes += r.size
	a.stats.Add(r.tokens)
	a.maxCap = max(a.maxCap, r.maxOut)
	window := a.price.ContextWindow
	switch charge := budget.TPMCharge(r.tokens, r.maxOut); {
	case window > 0 && r.tokens > window:
		e.OverInput++
		a.examples.add(RowProblem{Row: r.seq, Position: r.pos.String(), Kind: "over_input",
			Error: fmt.Sprintf("prompt is %d tokens, over %s's input limit of %d", r.tokens, a.price.Model, window)})
	case tpm > 0 && float64(charge) > tpm:
		e.OverTPM++
		a.examples.add(RowProblem{Row: r.seq, Position: r.pos.String(), Kind: "over_tpm",
			Error: fmt.Sprintf("request is charged %d tokens (prompt %d + output cap %d), over the limit of %.0f per minute", charge, r.tokens, r.maxOut, tpm)})
	default:
		e.Requests++
		e.PromptTokens.Billed += r.tokens
		a.charge += charge
		if window > 0 && charge > window {
			e.Tight++
		}
	}
}

// result finishes the counters into a Report.
func (a *acc) result() Report {
	e := a.e
	st := &a.stats
	e.PromptTokens.Total, e.PromptTokens.Mean = st.Sum(), st.Mean()
	e.PromptTokens.Min, e.PromptTokens.Max = st.Min(), st.Max()
	e.PromptTokens.P50, e.PromptTokens.P95 = st.Quantile(0.5), st.Quantile(0.95)
	e.Problems = a.examples.sorted()
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
