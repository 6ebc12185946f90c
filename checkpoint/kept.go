package checkpoint

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// KeptUpdate replaces the kept input columns stored for a row.
type KeptUpdate struct {
	Key  string
	Kept []json.RawMessage
}

// SetKept replaces the kept columns of rows already stored, in one
// transaction: when a job's --keep changes, reused rows take the new
// columns from the input instead of being sent again. A key with no stored
// row fails the batch with ErrNotCommitted.
func (db *DB) SetKept(ctx context.Context, updates []KeptUpdate) error {
	if len(updates) == 0 {
		return nil
	}
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, "UPDATE rows SET kept = ? WHERE key = ?")
		if err != nil {
			return fmt.Errorf("prepare kept update: %w", err)
		}
		defer stmt.Close()
		for _, u := range updates {
			kept, err := encodeKept(u.Kept)
			if err != nil {
				return fmt.Errorf("row %q: encode kept columns: %w", u.Key, err)
			}
			res, err := stmt.ExecContext(ctx, kept, u.Key)
			if err != nil {
				return fmt.Errorf("row %q: kept update: %w", u.Key, err)
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return fmt.Errorf("row %q: kept update: %w", u.Key, ErrNotCommitted)
			}
		}
		return nil
	})
	return wrapErr(db.path, "kept update", err)
}
