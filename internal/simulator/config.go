package simulator

import (
	"context"
	"io"
	"time"
)

// Faults are per-request probabilities, each in [0, 1], of the server
// misbehaving instead of answering. At most one fault hits a request: one
// uniform draw, made deterministically from the request hash, its attempt
// number and [Config.Seed], is compared with the cumulative probabilities in
// field order, so the same inputs always give the same fault. Faults are
// chosen after authentication, validation and rate limiting, so a faulted
// request has already been charged against the RPM/TPM buckets, as on the
// real API.
//
// Reset (and Hang ended by [Server.Release]) hijacks the connection and
// closes it. Where the ResponseWriter cannot be hijacked (HTTP/2, or an
// httptest.ResponseRecorder in an in-process test) the handler panics with
// http.ErrAbortHandler, net/http's documented way to abort a response, which
// the server recovers silently; use an httptest.Server for these two faults.
type Faults struct {
	Err500     float64 // 500 with an OpenAI server_error JSON body
	Err502HTML float64 // 502 with an HTML body, as a proxy sends it
	Err503     float64 // 503 with an OpenAI server_error JSON body
	Reset      float64 // connection closed without any response
	Hang       float64 // no answer until the client gives up (its context ends) or the server is released
	Truncated  float64 // 200 whose JSON body is cut in half
}

// Config configures a [Server]. The zero value is a valid, unlimited,
// fault-free, instant server that accepts any model and any key.
type Config struct {
	// Latency is added before every answered request (OK or fault, not
	// 400/401/429). LatencyJitter adds a deterministic amount in
	// [0, LatencyJitter) derived from the request hash.
	Latency       time.Duration
	LatencyJitter time.Duration

	// Seed varies the fault draws; replies do not depend on it.
	Seed int64

	// RPM and TPM are requests and tokens per minute; 0 means unlimited.
	// They are enforced with token buckets of capacity BucketSeconds ×
	// limit/60 (BucketSeconds defaults to 5) that refill continuously, as
	// the real API enforces per-minute limits over short windows. A request
	// larger than a bucket's capacity is admitted only when that bucket is
	// full, and then leaves it in debt.
	RPM, TPM      int64
	BucketSeconds float64

	// TPMCharge is how a request is charged against the TPM bucket:
	// TPMChargeChars ("chars", also used for "" and any unknown value)
	// charges OpenAI's own estimate, ceil(bytes of the message contents / 4)
	// + 4 per message + the output cap (max_completion_tokens, else
	// max_tokens, else the model's default) × n; TPMChargeTiktoken
	// ("tiktoken") charges the exact tiktoken prompt count + the output cap
	// × n, i.e. what a client computing budget.TPMCharge predicts. Only the
	// rate-limit charge differs: usage in answers is always the exact count.
	TPMCharge string

	// ForeignRPM and ForeignTPM are requests and tokens per minute that
	// another user of the same key consumes from the RPM and TPM buckets, so
	// the remaining-* headers fall faster than the client's own sends
	// explain; 0 means none. A foreign load on an unlimited bucket is
	// ignored, and it never drives a bucket into debt (the other user is
	// refused too). It is consumed lazily from the time elapsed on Now
	// between requests, so a fake clock controls it and no goroutine runs;
	// [Server.SetForeignLoad] changes it at run time.
	ForeignRPM, ForeignTPM int64

	// InsufficientQuota makes every authenticated request fail with 429
	// insufficient_quota, as for an account out of credit.
	InsufficientQuota bool

	Faults Faults

	// Schema breaks replies to requests with a JSON response_format (see
	// [SchemaFaults]).
	Schema SchemaFaults

	// RequestLog, if set, receives one JSON line per request received:
	// {"t","hash","attempt","status","fault","body","prompt_tokens",
	// "completion_tokens","tpm_charge"}, tpm_charge being what the request
	// took from the TPM bucket under TPMCharge (0 if refused). Lines are
	// written whole under a mutex, so any io.Writer is safe. Write errors
	// are ignored.
	RequestLog io.Writer

	// Now is the clock for rate-limit buckets and "created" (default
	// time.Now). Sleep waits d or until ctx ends (default: a timer); it
	// implements Latency, so tests can make latency free.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error

	// APIKey, if non-empty, is required as "Authorization: Bearer <key>" or
	// "api-key: <key>"; anything else gets 401 invalid_api_key. The key is
	// never logged or echoed.
	APIKey string

	// Models, if non-nil, is the allow-list of model names: any other model
	// gets 404 model_not_found. It is also what GET /v1/models lists.
	Models []string

	// Batch scripts the Files and Batches APIs (see [BatchConfig]).
	Batch BatchConfig
}

const defaultBucketSeconds = 5

func (c Config) withDefaults() Config {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Sleep == nil {
		c.Sleep = sleepCtx
	}
	if c.BucketSeconds <= 0 {
		c.BucketSeconds = defaultBucketSeconds
	}
	return c
}

// sleepCtx waits d or until ctx ends, whichever is first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
