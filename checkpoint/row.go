package checkpoint

import (
	"encoding/json"
	"strconv"
)

// Status is the state of one stored row.
type Status int

const (
	// StatusOK marks a row whose request succeeded; it is never resent.
	StatusOK Status = 1
	// StatusFailed marks a permanent row error (bad request, unparsable
	// output, render failure). The row is kept, and resent only when the
	// user asks for it (--retry-failed).
	StatusFailed Status = 2
	// StatusPending marks a row that ran out of transient retries or was
	// interrupted: it is resent on the next run.
	StatusPending Status = 3
)

// String returns "ok", "failed", "pending", or "status(N)" for an unknown value.
func (s Status) String() string {
	switch s {
	case StatusOK:
		return "ok"
	case StatusFailed:
		return "failed"
	case StatusPending:
		return "pending"
	}
	return "status(" + strconv.Itoa(int(s)) + ")"
}

// valid reports whether s is one of the declared statuses; the schema
// enforces the same set with a CHECK constraint.
func (s Status) valid() bool { return s >= StatusOK && s <= StatusPending }

// Row is one input record's stored result.
type Row struct {
	// Key is the row's identity across runs: the id column's value, or
	// "<file>#<row>". It is unique in the database; committing a row with an
	// existing Key replaces it.
	Key string
	// Seq is the row's position in this run's input order (0-based). Outputs
	// are ordered by it. Rows with a negative Seq are stored but never
	// yielded by DB.Rows.
	Seq int64
	// RequestHash is the hash of the rendered request; "" for rows that
	// never rendered. Resume compares it to detect edited prompts.
	RequestHash string
	Status      Status
	// ID is the value written to the id/row output column.
	ID string
	// Kept holds the kept input columns, each one JSON value as the input
	// had it (a string, number, boolean, array or object), so outputs can
	// write it back with its type; a nil element or JSON null is NULL.
	// Stored as a JSON array; a nil slice is stored as NULL and read back
	// as nil. Databases written before kept values were typed hold only
	// strings, which read back as strings.
	Kept         []json.RawMessage
	Output       string
	FinishReason string
	Model        string

	PromptTokens     int64
	CompletionTokens int64
	CachedTokens     int64
	ReasoningTokens  int64
	// CostUSD is nil when the cost is unknown (no price for the model).
	CostUSD   *float64
	LatencyMS int64
	Attempts  int

	// Error and ErrorKind are "" when the row is OK. ErrorKind is a short
	// class such as "parse", "render", "http_400", "rate_limit", "timeout".
	Error     string
	ErrorKind string
	// HTTPStatus is 0 when no HTTP response was received.
	HTTPStatus int
	// ResponseBody is the raw API response or error body, kept only when the
	// caller asks for it (batch output format); it may be nil.
	ResponseBody []byte
	// Position is "file:line" of the input row, for error messages.
	Position string
	// RequestID is the server's x-request-id for the answer, "" when none.
	RequestID string
	// ServedFrom says where the answer came from: the API (the zero
	// value), another row of the job with the same request, or the
	// response cache.
	ServedFrom Source
}

// Source is where a row's answer came from.
type Source int

const (
	// FromAPI: the row's own request was sent (or never could be).
	FromAPI Source = 0
	// FromDuplicate: the answer is a copy of another row's with a
	// byte-identical request in the same job; it cost nothing.
	FromDuplicate Source = 1
	// FromCache: the answer came from the response cache; it cost nothing.
	FromCache Source = 2
)

// String returns "api", "duplicate", "cache", or "source(N)".
func (s Source) String() string {
	switch s {
	case FromAPI:
		return "api"
	case FromDuplicate:
		return "duplicate"
	case FromCache:
		return "cache"
	}
	return "source(" + strconv.Itoa(int(s)) + ")"
}

// SeqUpdate assigns an already committed row (by Key) to the current run at
// position Seq; see DB.Touch.
type SeqUpdate struct {
	Key string
	Seq int64
}
