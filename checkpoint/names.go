package checkpoint

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// namer gives the names table's id of a string (an input file's path),
// adding it when new, within one write transaction. It remembers what it
// looked up, so a batch of rows from one file costs one query. It is
// dropped with the transaction: an id it added is only real once that
// transaction commits.
type namer struct {
	tx  *sql.Tx
	ids map[string]int64
}

func newNamer(tx *sql.Tx) *namer { return &namer{tx: tx, ids: map[string]int64{}} }

// id returns name's id, inserting the name if it is not stored yet.
func (n *namer) id(ctx context.Context, name string) (int64, error) {
	if id, ok := n.ids[name]; ok {
		return id, nil
	}
	var id int64
	err := n.tx.QueryRowContext(ctx, "SELECT id FROM names WHERE name = ?", name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = n.tx.QueryRowContext(ctx, "INSERT INTO names (name) VALUES (?) RETURNING id", name).Scan(&id)
	}
	if err != nil {
		return 0, fmt.Errorf("name %q: %w", name, err)
	}
	n.ids[name] = id
	return id, nil
}

// position returns the two column values that store pos: the file's id
// (nil when pos is stored whole) and the line or the whole text.
func (n *namer) position(ctx context.Context, pos string) (file, rest any, err error) {
	f, line, ok := splitPosition(pos)
	if !ok {
		return nil, pos, nil
	}
	id, err := n.id(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	return id, line, nil
}
