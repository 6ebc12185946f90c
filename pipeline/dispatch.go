package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/jobstate"
	"github.com/batchprompt/batchprompt/internal/request"
)

// dispatchBatch is how many input rows are checked against the state
// database at once: one lookup query and one claim transaction per batch,
// never one per row, and never every key in memory.
const dispatchBatch = 128

// dispatch reads the input and hands each row that needs sending to the
// worker pool. It returns the number of rows read and a fatal read error.
func (r *runner) dispatch(exec executor) (int64, error) {
	defer exec.Wait()
	// Reading and rendering the next batch overlaps with routing this one
	// through the state database: on a resume, both are the whole cost of
	// reaching the first new row.
	batches := make(chan []request.Request, 2)
	var seq int64
	var readErr error
	routeCtx, stopReading := context.WithCancel(context.Background())
	defer stopReading()
	go func() {
		defer close(batches)
		for {
			batch := make([]request.Request, 0, dispatchBatch)
			stop, err := r.fill(&batch, &seq)
			if len(batch) > 0 {
				select {
				case batches <- batch:
				case <-routeCtx.Done():
					return
				}
			}
			if err != nil || stop {
				readErr = err
				return
			}
		}
	}()
	for batch := range batches {
		if err := r.route(batch, exec); err != nil {
			stopReading()
			for range batches { // let the reader finish before reading seq
			}
			return seq, err
		}
	}
	return seq, readErr
}

// fill reads up to dispatchBatch rows into batch. stop reports the end of
// the input (or of --limit, or of the run).
func (r *runner) fill(batch *[]request.Request, seq *int64) (stop bool, err error) {
	for len(*batch) < dispatchBatch {
		if r.job.Limit > 0 && *seq >= r.job.Limit {
			r.readAll.Store(true)
			return true, nil
		}
		if r.dispatchCtx.Err() != nil {
			return true, nil
		}
		rec, err := r.input.Next(r.dispatchCtx)
		if errors.Is(err, io.EOF) {
			r.readAll.Store(true)
			return true, nil
		}
		if err != nil {
			if r.dispatchCtx.Err() != nil {
				return true, nil
			}
			r.fail(err)
			return true, err
		}
		r.p.Read.Add(1)
		r.updateBytes()
		if r.job.Only != nil && !r.job.Only(*seq) {
			*seq++
			continue
		}
		*batch = append(*batch, r.render.Render(rec, *seq))
		*seq++
	}
	return false, nil
}

// route decides, for one batch, which rows are answered already (reused),
// which are duplicates, and which must be sent, and claims the latter in
// the state database before they go out, so a duplicate id arriving while
// the first is still in flight is caught, and an interrupted run leaves
// them pending. An executor that takes new rows unclaimed (flyingExec, for
// embeddings: one write a row) is asked for the rows it holds instead.
//
// It merges the input with the rows stored at the same positions (one
// range scan per batch): when the input is unchanged every row is found
// where it was, with no look-up by key and nothing written. Only rows that
// moved, changed or are new cost a look-up and a write.
func (r *runner) route(batch []request.Request, exec executor) error {
	ctx := context.WithoutCancel(r.dispatchCtx)
	// Rows an executor holds unclaimed are stored nowhere yet; asked
	// before the database, which has each row once its result is in.
	var flying map[string]string
	fx, unclaimed := exec.(flyingExec)
	if unclaimed {
		flying = fx.Flying(batch)
	}
	first, last := batch[0].Seq, batch[len(batch)-1].Seq
	placed, err := r.db.AtSeq(ctx, first, last+1)
	if err != nil {
		return r.stateFailed(err)
	}
	at := make(map[int64][]checkpoint.Placed, len(placed))
	for _, pl := range placed {
		at[pl.Seq] = append(at[pl.Seq], pl)
	}
	found := make(map[string]checkpoint.Stored, len(batch))
	var lookup []string
	for _, row := range batch {
		if row.Err != nil && !r.idKeyed(row) {
			continue // keyed by its position: nothing else can claim it
		}
		if pl, ok := placedKey(at[row.Seq], row.Key); ok {
			found[row.Key] = checkpoint.Stored{RequestHash: pl.RequestHash, Status: pl.Status, Seq: pl.Seq, Position: pl.Position}
		} else {
			lookup = append(lookup, row.Key)
		}
	}
	if len(lookup) > 0 {
		stored, err := r.db.Lookup(ctx, lookup)
		if err != nil {
			return r.stateFailed(err)
		}
		for k, s := range stored {
			found[k] = s
		}
	}

	var detach, moves []checkpoint.SeqUpdate
	var kept []checkpoint.KeptUpdate
	var claims []checkpoint.Row
	var send []request.Request
	inBatch := map[string]string{}
	for i := range batch {
		row := &batch[i]
		s, known := found[row.Key]
		if r.idKeyed(*row) {
			// Every position before this batch already belongs to this run,
			// so a key stored there was seen earlier in this input. A row
			// that cannot be sent is checked too: as the second copy of an
			// id it must not take the first one's key (and its answer).
			if firstAt, ok := inBatch[row.Key]; ok {
				row.Duplicate(firstAt)
			} else if at, ok := flying[row.Key]; ok {
				row.Duplicate(at)
			} else if known && s.Seq >= 0 && s.Seq < first {
				row.Duplicate(s.Position)
			} else {
				inBatch[row.Key] = row.Pos.String()
			}
		}
		// Whatever else was stored at this position is no longer there.
		for _, pl := range at[row.Seq] {
			if pl.Key != row.Key {
				detach = append(detach, checkpoint.SeqUpdate{Key: pl.Key, Seq: -1})
			}
		}
		if row.Err != nil {
			if r.job.Strict {
				err := fmt.Errorf("%s (--strict)", row.Err.Msg)
				r.fail(err)
				return err
			}
			claims = append(claims, errorRow(*row))
			continue
		}
		if known && s.RequestHash == row.Hash &&
			(s.Status == checkpoint.StatusOK || (s.Status == checkpoint.StatusFailed && !r.job.RetryFailed)) {
			if s.Seq != row.Seq {
				moves = append(moves, checkpoint.SeqUpdate{Key: row.Key, Seq: row.Seq})
			}
			if r.refreshKept {
				kept = append(kept, checkpoint.KeptUpdate{Key: row.Key, Kept: row.Kept})
			}
			r.reused(s.Status)
			continue
		}
		claims = append(claims, claimRow(*row))
		send = append(send, *row)
	}
	// Detach before moving: a row detached from one position may be moved
	// to a later one in this same batch.
	if touch := append(detach, moves...); len(touch) > 0 {
		if err := r.db.Touch(ctx, touch); err != nil {
			return r.stateFailed(err)
		}
	}
	if err := r.db.SetKept(ctx, kept); err != nil {
		return r.stateFailed(err)
	}
	// Rows answered without sending (dedupe.go) are committed answered
	// instead of pending.
	var answered map[string]checkpoint.Row
	if send, answered, err = r.deduplicate(ctx, send); err != nil {
		return err
	}
	for i := range claims {
		if a, ok := answered[claims[i].Key]; ok {
			claims[i] = a
		}
	}
	if unclaimed {
		claims = fx.Unclaim(claims, send, found)
	}
	if len(claims) > 0 {
		if err := r.db.Commit(ctx, claims); err != nil {
			return r.stateFailed(err)
		}
	}
	for _, row := range batch {
		if row.Err != nil {
			r.counted(errorRow(row))
		}
	}
	for _, a := range answered {
		r.counted(a)
	}
	for _, row := range send {
		if r.dispatchCtx.Err() != nil {
			return nil // the next run sends these: claimed (pending) or not stored
		}
		r.render.Count(&row)
		exec.Send(row)
	}
	return nil
}

// claimRow is row as stored before it is sent: pending, with the reason
// its outputs give until it has an answer.
func claimRow(row request.Request) checkpoint.Row {
	return checkpoint.Row{
		Key: row.Key, Seq: row.Seq, RequestHash: row.Hash, Status: checkpoint.StatusPending, ID: row.ID,
		Kept: row.Kept, Error: "not answered yet: rerun the same command to resume", ErrorKind: jobstate.KindUnanswered,
		Position: row.Pos.String(),
	}
}

// idKeyed reports whether row is keyed by its id, so that another row
// with the same id would claim the same key.
func (r *runner) idKeyed(row request.Request) bool {
	return r.job.IDColumn != "" && row.Key == "id:"+row.ID
}

// placedKey finds key among the rows stored at one position.
func placedKey(pls []checkpoint.Placed, key string) (checkpoint.Placed, bool) {
	for _, pl := range pls {
		if pl.Key == key {
			return pl, true
		}
	}
	return checkpoint.Placed{}, false
}

func (r *runner) stateFailed(err error) error {
	err = fmt.Errorf("state database %s: %w", r.job.State, err)
	r.fail(err)
	return err
}
