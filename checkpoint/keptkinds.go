package checkpoint

import (
	"context"
	"fmt"
)

// KeptKinds says, for each kept column (by its index in Row.Kept), which
// JSON types its values take over the placed rows: SQLite's names
// "integer", "real", "text", "true", "false", "array", "object" (NULL is
// left out; an integer too large for 64 bits counts as "real"). An output that must give a column one type (Parquet) picks
// it from these when the input did not say (JSONL). Cost: one scan of the
// rows, decoding each row's kept values.
func (db *DB) KeptKinds(ctx context.Context) (map[int]map[string]bool, error) {
	rows, err := db.r.QueryContext(ctx, `
SELECT DISTINCT CAST(j.key AS INTEGER),
	CASE WHEN j.type = 'integer' AND abs(j.atom) > 9.0e18 THEN 'real' ELSE j.type END
FROM rows, json_each(rows.kept) AS j
WHERE rows.seq >= 0 AND rows.kept IS NOT NULL AND j.type != 'null'`)
	if err != nil {
		return nil, wrapErr(db.path, "kept kinds", err)
	}
	defer rows.Close()
	out := map[int]map[string]bool{}
	for rows.Next() {
		var i int
		var kind string
		if err := rows.Scan(&i, &kind); err != nil {
			return nil, wrapErr(db.path, "kept kinds", err)
		}
		if out[i] == nil {
			out[i] = map[string]bool{}
		}
		out[i][kind] = true
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(db.path, "kept kinds", fmt.Errorf("scan: %w", err))
	}
	return out, nil
}
