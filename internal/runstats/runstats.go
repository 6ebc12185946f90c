// Package runstats keeps a run's live figures and its tally of error
// kinds: counters many workers update at once, read for progress and the
// summary.
package runstats

import (
	"math"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/batchprompt/batchprompt/checkpoint"
)

// ErrorKind counts one kind of error row, with one example.
type ErrorKind struct {
	Kind     string
	Count    int64
	Example  string // the error text of one such row
	Position string // where that row came from: "file:line"
}

// Counters are a run's live figures, updated by many workers at once.
type Counters struct {
	Read, Done, Reused, OK, Failed, InFlight, Retries, Throttled atomic.Int64
	PromptTokens, CompletionTokens, CachedTokens                 atomic.Int64
	CostNanoUSD                                                  atomic.Int64 // nano-dollars, rounded up as the state database's spend is
	BytesRead, BytesTotal, RowsTotal                             atomic.Int64
	UnknownCost                                                  atomic.Int64 // answered rows of a model with no price
}

// AddTokens counts an answered row's tokens and cost (unknown cost apart).
func (c *Counters) AddTokens(row checkpoint.Row) {
	c.PromptTokens.Add(row.PromptTokens)
	c.CompletionTokens.Add(row.CompletionTokens)
	c.CachedTokens.Add(row.CachedTokens)
	if row.CostUSD != nil {
		c.CostNanoUSD.Add(int64(math.Ceil(*row.CostUSD * 1e9)))
	} else {
		c.UnknownCost.Add(1)
	}
}

// Tally collects error kinds for a run's summary. The zero value is
// ready to use; it is safe for concurrent use.
type Tally struct {
	mu sync.Mutex
	m  map[string]*ErrorKind
}

// Add counts one error row of kind, keeping the first as the example.
func (t *Tally) Add(kind, msg, pos string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]*ErrorKind{}
	}
	k := t.m[kind]
	if k == nil {
		k = &ErrorKind{Kind: kind, Example: msg, Position: pos}
		t.m[kind] = k
	}
	k.Count++
}

// List returns the kinds, most frequent first.
func (t *Tally) List() []ErrorKind {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]ErrorKind, 0, len(t.m))
	for _, k := range t.m {
		out = append(out, *k)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}
