package pipeline

import (
	"context"
	"time"

	"github.com/batchprompt/batchprompt/internal/runstats"
)

// StopReason says why a run ended before every row had a result.
type StopReason int

const (
	// Completed: every input row has a result (some may be error rows).
	Completed StopReason = iota
	// Interrupted: the caller's context ended (Ctrl-C, SIGTERM). Resumable.
	Interrupted
	// Stalled: every request failed for longer than the stall timeout, or
	// the account is out of credit. Resumable as is.
	Stalled
	// BudgetReached: the spending cap stopped the job. Resumable with a
	// higher cap.
	BudgetReached
	// Failed: a fatal error (bad key, unreadable input, --strict). Needs a fix.
	Failed
	// Submitted: rows are in Batch API batches whose results are not in
	// yet (--detach). Running the same job again collects them.
	Submitted
)

func (s StopReason) String() string {
	return [...]string{"completed", "interrupted", "stalled", "budget", "failed", "submitted"}[s]
}

// Progress is a snapshot of a running job, handed to Options.Progress.
type Progress struct {
	Read      int64 // rows read from the input so far
	Done      int64 // rows with a result this run (including reused ones)
	Reused    int64 // rows whose result was already in the state database
	OK        int64
	Failed    int64 // error rows (parse, render, permanent API errors, retries exhausted)
	InFlight  int64
	Retries   int64
	Throttled int64 // 429 rate_limit answers

	PromptTokens, CompletionTokens, CachedTokens int64
	CostUSD                                      float64
	UnknownCost                                  int64 // answered rows without a cost (no price, or no usage reported): CostUSD leaves them out

	// CapUSD is the --max-cost cap over all the job's runs, 0 without one;
	// CapLeftUSD is what it leaves for later requests (neither spent nor
	// reserved by requests in flight).
	CapUSD, CapLeftUSD float64

	BytesRead, BytesTotal int64 // input progress; BytesTotal -1 when unknown
	RowsTotal             int64 // input rows when known up front (Parquet), else 0

	// Paused is set while every worker waits for a rate-limit pause to end.
	Paused time.Duration
}

// ErrorKind counts one kind of error row, with one example.
type ErrorKind = runstats.ErrorKind

// Summary is the outcome of a run.
type Summary struct {
	Stop    StopReason
	Err     error        // the cause when Stop is Failed or Stalled; nil otherwise
	Rows    int64        // input rows seen this run
	Outputs []string     // the outputs written
	Kept    []KeptOutput // outputs a --limit trial left alone: they hold more rows

	Progress          // the final figures of this run
	Started, Finished time.Time
	ErrorKinds        []ErrorKind // most frequent first
	Limits            Limits      // the limits in force at the end
	Requests          int64       // HTTP requests sent
	SpentUSD          float64     // the job's spend over all its runs, from the state database
	Saved             Savings     // what deduplication and the response cache saved this run
	State             string
	Batch             BatchSummary // a Batch API run's figures (Job.BatchAPI)
}

// summary gathers the run's outcome.
func (r *runner) summary(rows int64) Summary {
	r.mu.Lock()
	stop, err := r.stop, r.stopErr
	r.mu.Unlock()
	spent, _ := r.db.Spent(context.Background())
	return Summary{SpentUSD: spent,
		Stop: stop, Err: err, Rows: rows, Progress: r.snapshot(), Started: r.started,
		ErrorKinds: r.kinds.List(), Limits: r.main.pacer.Limits(), Requests: r.requests.Load(),
		State: r.job.State, Saved: r.savings(), Batch: r.batchSum,
	}
}
