package pipeline

import (
	"github.com/batchprompt/batchprompt/readers"
)

func (r *runner) snapshot() Progress {
	c := &r.p
	var capUSD, left float64
	if r.cap != nil {
		capUSD, left = r.cap.Limit(), r.cap.Left()
	}
	return Progress{CapUSD: capUSD, CapLeftUSD: left,
		Read: c.Read.Load(), Done: c.Done.Load(), Reused: c.Reused.Load(), OK: c.OK.Load(),
		Failed: c.Failed.Load(), InFlight: c.InFlight.Load(), Retries: c.Retries.Load(),
		Throttled: c.Throttled.Load(), PromptTokens: c.PromptTokens.Load(),
		CompletionTokens: c.CompletionTokens.Load(), CachedTokens: c.CachedTokens.Load(),
		CostUSD: float64(c.CostNanoUSD.Load()) / 1e9, BytesRead: c.BytesRead.Load(),
		BytesTotal: c.BytesTotal.Load(), RowsTotal: c.RowsTotal.Load(), UnknownCost: c.UnknownCost.Load(), Paused: r.pausedFor(),
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
		r.p.BytesRead.Store(pr.BytesRead())
		r.p.BytesTotal.Store(pr.Size())
	}
	if tr, ok := r.input.(interface{ TotalRows() int64 }); ok {
		n := tr.TotalRows()
		if r.job.Limit > 0 && n > r.job.Limit {
			n = r.job.Limit
		}
		if n > 0 {
			r.p.RowsTotal.Store(n)
		}
	}
}
