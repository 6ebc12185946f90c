package pipeline

import (
	"math"
	"sync/atomic"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/readers"
)

// progressCounters are the run's live figures, updated by many workers.
type progressCounters struct {
	read, done, reused, ok, failed, inFlight, retries, throttled atomic.Int64
	promptTokens, completionTokens, cachedTokens                 atomic.Int64
	costNanoUSD                                                  atomic.Int64 // nano-dollars, rounded up as the state database's spend is
	bytesRead, bytesTotal, rowsTotal                             atomic.Int64
	unknownCost                                                  atomic.Int64 // answered rows of a model with no price
}

func (c *progressCounters) addTokens(row checkpoint.Row) {
	c.promptTokens.Add(row.PromptTokens)
	c.completionTokens.Add(row.CompletionTokens)
	c.cachedTokens.Add(row.CachedTokens)
	if row.CostUSD != nil {
		c.costNanoUSD.Add(int64(math.Ceil(*row.CostUSD * 1e9)))
	} else {
		c.unknownCost.Add(1)
	}
}

func (r *runner) snapshot() Progress {
	c := &r.p
	var capUSD, left float64
	if r.cap != nil {
		capUSD, left = r.cap.Limit(), r.cap.Left()
	}
	return Progress{CapUSD: capUSD, CapLeftUSD: left,
		Read: c.read.Load(), Done: c.done.Load(), Reused: c.reused.Load(), OK: c.ok.Load(),
		Failed: c.failed.Load(), InFlight: c.inFlight.Load(), Retries: c.retries.Load(),
		Throttled: c.throttled.Load(), PromptTokens: c.promptTokens.Load(),
		CompletionTokens: c.completionTokens.Load(), CachedTokens: c.cachedTokens.Load(),
		CostUSD: float64(c.costNanoUSD.Load()) / 1e9, BytesRead: c.bytesRead.Load(),
		BytesTotal: c.bytesTotal.Load(), RowsTotal: c.rowsTotal.Load(), UnknownCost: c.unknownCost.Load(), Paused: r.pausedFor(),
	}
}

// report hands a snapshot to Options.Progress. Calls are serialised and
// snapshots taken under the same lock, so the callback needs no locking of
// its own and never sees figures go backwards.
func (r *runner) report() {
	if r.opt.Progress == nil {
		return
	}
	r.reportMu.Lock()
	defer r.reportMu.Unlock()
	r.opt.Progress(r.snapshot())
}

func (r *runner) updateBytes() {
	if pr, ok := r.input.(readers.Progress); ok {
		r.p.bytesRead.Store(pr.BytesRead())
		r.p.bytesTotal.Store(pr.Size())
	}
	if tr, ok := r.input.(interface{ TotalRows() int64 }); ok {
		n := tr.TotalRows()
		if r.job.Limit > 0 && n > r.job.Limit {
			n = r.job.Limit
		}
		if n > 0 {
			r.p.rowsTotal.Store(n)
		}
	}
}
