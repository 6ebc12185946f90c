package simulator

import "time"

// BatchFate is what the scripted lifecycle does with one batch once it is
// in progress.
type BatchFate int

const (
	// FateComplete runs every request line, then finalizes and completes.
	FateComplete BatchFate = iota
	// FateExpire runs a share of the lines (BatchConfig.StallDone), then
	// expires: the rest are batch_expired in the error file.
	FateExpire
	// FateNeverFinish runs a share of the lines and then stays in_progress
	// until it is cancelled or its completion window ends, like the slow
	// tail a client may want to finish synchronously.
	FateNeverFinish
)

// BatchConfig scripts the simulated Files and Batches APIs. The zero value
// is an instant lifecycle (a batch is completed on the first poll after its
// creation) with no failures, no expiry and no enqueued-token limit.
//
// Every duration is measured on [Config.Now], and a batch's status is a
// pure function of that clock, its creation time and its cancel time: a
// test with a fake clock advances it and polls, with no sleeps.
type BatchConfig struct {
	// ValidateFor, RunFor, FinalizeFor and CancelFor are how long a batch
	// stays validating, in_progress, finalizing and cancelling. Lines are
	// answered evenly over RunFor, so a batch cancelled halfway has about
	// half its lines in the output file.
	ValidateFor, RunFor, FinalizeFor, CancelFor time.Duration

	// Window is the completion window behind expires_at (default 24h). A
	// FateNeverFinish batch expires when it ends; a FateExpire batch
	// expires at the end of RunFor instead, so tests need not wait a day.
	Window time.Duration

	// FailShare is the share of request lines, in [0, 1], answered 500
	// (they go to the error file and are not billed). The draw depends on
	// the line's body, its custom_id, how many batches have carried that
	// custom_id before and [Config.Seed], so a resubmitted line gets a
	// fresh draw.
	FailShare float64

	// ExpireShare and NeverFinishShare are the shares of batches, in
	// [0, 1], given FateExpire and FateNeverFinish, drawn from the batch
	// id and [Config.Seed]. Fate, if set, decides instead: n is the
	// batch's creation number on this server, from 1.
	ExpireShare, NeverFinishShare float64
	Fate                          func(n int) BatchFate

	// StallDone is the share of lines answered before a FateExpire or
	// FateNeverFinish batch stops making progress (0 means one half).
	StallDone float64

	// EnqueuedTokens, if positive, caps the prompt tokens enqueued per
	// model: a batch whose prompt tokens, added to those of the same
	// model's batches still in progress (in_progress, finalizing or
	// cancelling), exceed it fails with token_limit_exceeded when its
	// validation ends.
	EnqueuedTokens int64

	// UploadLag and ContentErr502 reproduce two glitches reported of the
	// real API: for UploadLag after an upload, creating a batch from the
	// file answers 404 as if it did not exist yet; and a share
	// ContentErr502, in [0, 1], of file content downloads answers 502 with
	// an HTML body (drawn from the file id, the download's number and
	// [Config.Seed], so a retry can succeed).
	UploadLag     time.Duration
	ContentErr502 float64

	// MaxFileBytes bounds an uploaded file (default 200 MB, the Batch
	// API's limit); MaxLines bounds the requests of one batch input file
	// (default 50,000).
	MaxFileBytes int64
	MaxLines     int
}

const (
	defaultBatchWindow  = 24 * time.Hour
	defaultMaxFileBytes = 200 << 20
	defaultMaxLines     = 50_000
	defaultStallDone    = 0.5
)

// WithLifecycle returns c with its four phase durations set so that a batch
// takes about total from creation to completed: a tenth validating, seven
// tenths in progress, a fifth finalizing; cancelling takes a tenth.
func (c BatchConfig) WithLifecycle(total time.Duration) BatchConfig {
	c.ValidateFor, c.RunFor, c.FinalizeFor, c.CancelFor = total/10, total*7/10, total/5, total/10
	return c
}

func (c BatchConfig) withDefaults() BatchConfig {
	if c.Window <= 0 {
		c.Window = defaultBatchWindow
	}
	if c.MaxFileBytes <= 0 {
		c.MaxFileBytes = defaultMaxFileBytes
	}
	if c.MaxLines <= 0 {
		c.MaxLines = defaultMaxLines
	}
	if c.StallDone <= 0 || c.StallDone > 1 {
		c.StallDone = defaultStallDone
	}
	return c
}
