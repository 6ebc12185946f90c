package respcache

import (
	"context"
	"fmt"
	"os"
	"time"
)

// Stats describes a cache's contents.
type Stats struct {
	Entries int64
	// Bytes is the size of the stored outputs and bodies; FileBytes the
	// size of the file on disk (with its WAL), free pages included.
	Bytes, FileBytes int64
	// Oldest and Newest are when the oldest and newest answers were
	// stored; zero when the cache is empty.
	Oldest, Newest time.Time
	// Models counts the entries per answering model.
	Models map[string]int64
}

// Stats reads the cache's figures. Cost: one pass over the answers.
func (c *Cache) Stats(ctx context.Context) (Stats, error) {
	s := Stats{Models: map[string]int64{}}
	rows, err := c.r.QueryContext(ctx, `SELECT model, count(*), coalesce(sum(length(output) + coalesce(length(body), 0)), 0),
	min(stored), max(stored) FROM answers GROUP BY model`)
	if err != nil {
		return Stats{}, fmt.Errorf("response cache %s: stats: %w", c.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			model           string
			n, b, old, newe int64
		)
		if err := rows.Scan(&model, &n, &b, &old, &newe); err != nil {
			return Stats{}, fmt.Errorf("response cache %s: stats: %w", c.path, err)
		}
		s.Models[model] = n
		s.Entries += n
		s.Bytes += b
		if o := time.Unix(old, 0).UTC(); s.Oldest.IsZero() || o.Before(s.Oldest) {
			s.Oldest = o
		}
		if nw := time.Unix(newe, 0).UTC(); nw.After(s.Newest) {
			s.Newest = nw
		}
	}
	if err := rows.Err(); err != nil {
		return Stats{}, fmt.Errorf("response cache %s: stats: %w", c.path, err)
	}
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(c.path + suffix); err == nil {
			s.FileBytes += fi.Size()
		}
	}
	return s, nil
}

// Prune deletes the answers stored before cutoff and returns how many it
// deleted. The space they took is reused by later answers; the file does
// not shrink (a VACUUM would lock out every job using the cache). Cost:
// one transaction, an index range scan over what it deletes.
func (c *Cache) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := c.w.ExecContext(ctx, "DELETE FROM answers WHERE stored < ?", cutoff.Unix())
	if err != nil {
		return 0, fmt.Errorf("response cache %s: prune: %w", c.path, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("response cache %s: prune: %w", c.path, err)
	}
	return n, nil
}
