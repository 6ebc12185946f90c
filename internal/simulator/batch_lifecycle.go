package simulator

import (
	"context"
	"fmt"
	"time"
)

// Batch statuses, as the API spells them.
const (
	statusValidating = "validating"
	statusFailed     = "failed"
	statusInProgress = "in_progress"
	statusFinalizing = "finalizing"
	statusCompleted  = "completed"
	statusExpired    = "expired"
	statusCancelling = "cancelling"
	statusCancelled  = "cancelled"
)

// batch is one simulated batch. Its lines are kept in execution order (a
// seeded shuffle of the input order): the first k of them are the ones
// answered when k lines are done, which makes the output file's order
// differ from the input's, as the API's does.
type batch struct {
	seq                              int64
	id, inputFileID, endpoint, model string
	metadata                         map[string]string
	content                          []byte // the input file's content
	lines                            []batchLine
	tokens                           int64 // prompt tokens, for the enqueued-token limit
	valErrs                          []batchError
	fate                             BatchFate

	status                                                    string
	errs                                                      []batchError
	createdAt, inProgressAt, finalizingAt, completedAt        time.Time
	failedAt, expiredAt, cancellingAt, cancelledAt, expiresAt time.Time
	done                                                      int // lines answered, once terminal

	work                      *batchWork // answers, generated from creation on
	materialised              bool       // output and error files exist
	outputFileID, errorFileID string
	usage                     batchUsage
	counts                    requestCounts // final, once materialised
}

// terminal reports whether b's status can no longer change.
func (b *batch) terminal() bool {
	switch b.status {
	case statusFailed, statusCompleted, statusExpired, statusCancelled:
		return true
	}
	return false
}

// endedAt is when b stopped holding enqueued tokens (zero while it holds them).
func (b *batch) endedAt() time.Time {
	for _, t := range []time.Time{b.completedAt, b.expiredAt, b.cancelledAt, b.failedAt} {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// progress is how many lines are answered at t.
func (b *batch) progress(cfg BatchConfig, t time.Time) int {
	if b.inProgressAt.IsZero() || t.Before(b.inProgressAt) {
		return 0
	}
	total := len(b.lines)
	k := total
	if cfg.RunFor > 0 {
		k = min(total, int(float64(total)*float64(t.Sub(b.inProgressAt))/float64(cfg.RunFor)))
	}
	if b.fate != FateComplete {
		k = min(k, int(float64(total)*cfg.StallDone))
	}
	return k
}

// settle advances every batch to now and materialises the files of those
// that ended, then runs fn with a.mu held. It waits, without holding a.mu,
// for line checks and answers still running in the background, so a poll
// may take as long as the batch's remaining work; it returns ctx's error
// if ctx ends first.
func (s *Server) settle(ctx context.Context, now time.Time, fn func()) error {
	a := &s.batch
	for {
		a.mu.Lock()
		a.init()
		wait := s.advance(now)
		if wait == nil {
			fn()
			a.mu.Unlock()
			return nil
		}
		a.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return fmt.Errorf("simulator: waiting for a batch's answers: %w", ctx.Err())
		}
	}
}

// advance steps every batch, in creation order, to now. It stops at the
// first batch whose next transition needs background work not done yet
// (its line checks, to leave validating; its answers, to write its files)
// and returns the channel closed when it is; nil when all are up to date. a.mu must be
// held. Because each status is a pure function of the clock, stopping and
// resuming later gives the same timeline.
func (s *Server) advance(now time.Time) <-chan struct{} {
	cfg := s.cfg.Batch.withDefaults()
	for _, b := range s.batch.batches {
		if wait := s.step(b, cfg, now); wait != nil {
			return wait
		}
	}
	return nil
}

// step moves b through every transition due by now.
func (s *Server) step(b *batch, cfg BatchConfig, now time.Time) <-chan struct{} {
	for {
		switch b.status {
		case statusValidating:
			t := b.createdAt.Add(cfg.ValidateFor)
			if now.Before(t) {
				return nil
			}
			if len(b.valErrs) > 0 {
				b.status, b.failedAt, b.errs = statusFailed, t, b.valErrs
				return nil
			}
			select {
			case <-b.work.checked: // b.tokens is known
			default:
				return b.work.checked
			}
			if lim := cfg.EnqueuedTokens; lim > 0 && s.enqueued(b, t)+b.tokens > lim {
				b.status, b.failedAt = statusFailed, t
				b.work.halt.Store(true) // its answers will never be read
				b.errs = []batchError{{Code: "token_limit_exceeded", Message: fmt.Sprintf("Enqueued token limit reached for %s "+
					"in organization org-sim. Limit: %d enqueued tokens. Please try again once some in_progress batches "+
					"have been completed.", b.model, lim)}}
				return nil
			}
			b.status, b.inProgressAt = statusInProgress, t
			if b.fate == FateExpire { // expires when it would have finished, so tests need not wait a day
				b.expiresAt = t.Add(cfg.RunFor)
			}
		case statusInProgress:
			end := b.expiresAt
			if b.fate == FateComplete {
				end = b.inProgressAt.Add(cfg.RunFor)
			}
			if now.Before(end) {
				return nil
			}
			if b.fate == FateComplete {
				b.status, b.finalizingAt = statusFinalizing, end
				continue
			}
			b.status, b.expiredAt, b.done = statusExpired, end, b.progress(cfg, end)
		case statusFinalizing:
			t := b.finalizingAt.Add(cfg.FinalizeFor)
			if now.Before(t) {
				return nil
			}
			b.status, b.completedAt, b.done = statusCompleted, t, len(b.lines)
		case statusCancelling:
			t := b.cancellingAt.Add(cfg.CancelFor)
			if now.Before(t) {
				return nil
			}
			b.status, b.cancelledAt, b.done = statusCancelled, t, b.progress(cfg, t)
		default: // terminal
			if b.materialised || b.status == statusFailed {
				return nil
			}
			if b.work != nil {
				select {
				case <-b.work.done:
				default:
					return b.work.done
				}
			}
			s.materialise(b)
			return nil
		}
	}
}

// enqueued sums the prompt tokens that batches created before b, of b's
// model, hold at t. The earlier batches have already been stepped to now
// ≥ t, so their end times up to now are known.
func (s *Server) enqueued(b *batch, t time.Time) int64 {
	var n int64
	for _, o := range s.batch.batches {
		if o.seq >= b.seq {
			break
		}
		end := o.endedAt()
		if o.model == b.model && !o.inProgressAt.IsZero() && !o.inProgressAt.After(t) && (end.IsZero() || end.After(t)) {
			n += o.tokens
		}
	}
	return n
}
