package jobstate

import (
	"context"
	"time"

	"github.com/batchprompt/batchprompt/checkpoint"
)

// Batch is one Batch API batch of a --batch-api job, as the state
// database last saw it.
type Batch struct {
	ID        string    `json:"id"`
	Model     string    `json:"model"`
	Status    string    `json:"status"` // the API's status when last polled
	Round     int       `json:"round"`  // 1 for the rows' first batch, more for resubmissions
	Requests  int       `json:"requests"`
	Completed int       `json:"completed"`
	Failed    int       `json:"failed"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires"`
	Error     string    `json:"error,omitempty"` // why it failed, when it did
}

// readBatches lists the job's batches, oldest first; chunks that never
// became a batch are left out. Cost: one read of a table with a row per
// batch.
func readBatches(ctx context.Context, db *checkpoint.DB) ([]Batch, error) {
	chunks, err := db.Chunks(ctx)
	if err != nil {
		return nil, err
	}
	var out []Batch
	for _, c := range chunks {
		if c.BatchID == "" {
			continue
		}
		out = append(out, Batch{ID: c.BatchID, Model: c.Model, Status: c.Status, Round: c.Round, Requests: c.Requests,
			Completed: c.Completed, Failed: c.Failed, Created: unixTime(c.CreatedAt), Expires: unixTime(c.ExpiresAt), Error: c.Error})
	}
	return out, nil
}

func unixTime(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}
