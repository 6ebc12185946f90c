package jobstate

import "github.com/batchprompt/batchprompt/checkpoint"

// KindUnanswered is the error kind of a row claimed for sending that has
// no answer yet: a run stopped before its request came back.
const KindUnanswered = "pending"

// RowState is what a stored row is to the user. It is the one definition
// that run's summary, status and export share.
type RowState int

const (
	// RowOK: the row has its answer.
	RowOK RowState = iota
	// RowFailed: the row has an error result. That includes a row that ran
	// out of transient retries: it is an error row in this run's outputs,
	// and the next run sends it again.
	RowFailed
	// RowPending: the row has no result yet; the job is not complete.
	RowPending
)

// StateOf classifies a stored row by its status and error kind.
func StateOf(status checkpoint.Status, errorKind string) RowState {
	switch {
	case status == checkpoint.StatusOK:
		return RowOK
	case status == checkpoint.StatusPending && (errorKind == KindUnanswered || errorKind == ""):
		return RowPending
	}
	return RowFailed
}
