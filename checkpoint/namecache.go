package checkpoint

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// nameCache holds the strings of the names table by id for readers, so a
// row's file, model and finish reason cost a map look-up instead of a join
// per row. A names row never changes or goes away once committed, so an
// entry never goes stale, and an id a reader sees was committed before its
// row: a miss costs one query and always finds it.
type nameCache struct {
	mu   sync.Mutex
	byID map[int64]string
}

// name returns the string stored in names under id.
func (db *DB) name(ctx context.Context, id int64) (string, error) {
	db.names.mu.Lock()
	s, ok := db.names.byID[id]
	db.names.mu.Unlock()
	if ok {
		return s, nil
	}
	if err := db.n.QueryRowContext(ctx, "SELECT name FROM names WHERE id = ?", id).Scan(&s); err != nil {
		return "", fmt.Errorf("name %d: %w", id, err)
	}
	db.names.mu.Lock()
	if db.names.byID == nil {
		db.names.byID = map[int64]string{}
	}
	db.names.byID[id] = s
	db.names.mu.Unlock()
	return s, nil
}

// position decodes the position and position_file columns.
func (db *DB) position(ctx context.Context, pos any, file sql.NullInt64) (string, error) {
	var name string
	if file.Valid {
		var err error
		if name, err = db.name(ctx, file.Int64); err != nil {
			return "", err
		}
	}
	return decodePosition(pos, name, file.Valid)
}

// decodePlace decodes the request hash and position columns that Lookup
// and AtSeq read.
func (db *DB) decodePlace(ctx context.Context, hash, pos any, file sql.NullInt64) (h, p string, err error) {
	if h, err = decodeHash(hash); err != nil {
		return "", "", err
	}
	p, err = db.position(ctx, pos, file)
	return h, p, err
}
