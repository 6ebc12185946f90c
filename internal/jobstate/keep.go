package jobstate

import (
	"context"
	"errors"
	"strings"

	"github.com/batchprompt/batchprompt/checkpoint"
)

// keepRefreshing marks a --keep change under way: it never equals a real
// column list, so a run that stops half-way leaves the next one to finish
// the refresh, whatever --keep it is given.
const keepRefreshing = "\x00refreshing"

// checkKeep reports whether reused rows must take new kept columns from
// the input, because keep differs from the columns the stored rows hold;
// if so it marks the change as under way until RecordOutcome ends it.
func checkKeep(ctx context.Context, db *checkpoint.DB, keep []string) (refresh bool, err error) {
	want := strings.Join(keep, ",")
	old, ok, err := db.Meta(ctx, MetaKeep)
	switch {
	case err != nil:
		return false, err
	case !ok && !hasRows(ctx, db):
		return false, db.SetMeta(ctx, MetaKeep, want) // a new job
	case ok && old == want:
		return false, nil
	}
	return true, db.SetMeta(ctx, MetaKeep, keepRefreshing)
}

// KeptColumns returns the --keep columns the rows stored in db hold, for
// writing outputs from it. It fails while a change of --keep is only half
// applied (the run making it stopped early): rerun the job to finish it.
func KeptColumns(ctx context.Context, db *checkpoint.DB) ([]string, error) {
	v, ok, err := db.Meta(ctx, MetaKeep)
	switch {
	case err != nil:
		return nil, err
	case v == keepRefreshing:
		return nil, errors.New("the job's --keep columns were being changed when its last run stopped: rerun the job to finish")
	case !ok:
		fp, _, err := db.Fingerprint(ctx) // databases from before MetaKeep
		if err != nil || fp["keep"] == "" {
			return nil, err
		}
		return strings.Split(fp["keep"], ","), nil
	case v == "":
		return nil, nil
	}
	return strings.Split(v, ","), nil
}

// hasRows reports whether db holds any row.
func hasRows(ctx context.Context, db *checkpoint.DB) bool {
	t, err := db.Totals(ctx)
	return err == nil && t.Rows > 0
}
