package writers

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/parquet-go/parquet-go"

	"github.com/batchprompt/batchprompt/internal/coltype"
	"github.com/batchprompt/batchprompt/internal/jsonvalue"
)

// keptEmitter appends kept values to a Parquet row as leaf values with
// their repetition and definition levels (the Dremel encoding), so a kept
// LIST, MAP or STRUCT is written as the input had it. Every level is
// optional (see typeNode): a NULL at any depth has its own definition
// level.
type keptEmitter struct {
	row parquet.Row
	col int
}

// appendKept appends value v of a kept column of type t, whose first leaf
// is column col, and returns the next column.
func appendKept(row parquet.Row, t coltype.Type, v Value, col int) (parquet.Row, int, error) {
	e := keptEmitter{row: row, col: col}
	if v.Null {
		e.nulls(t, 0, 0)
		return e.row, e.col, nil
	}
	if !nested(t) {
		pv, err := leafValue(t, v.Text)
		if err != nil {
			return row, col, err
		}
		e.row = append(e.row, pv.Level(0, 1, col))
		return e.row, col + 1, nil
	}
	x, err := jsonvalue.Parse([]byte(v.Text))
	if err != nil {
		return row, col, fmt.Errorf("value %q is not a %s: %w", clipValue(v.Text), t, err)
	}
	start := len(e.row)
	if err := e.emit(t, x, 0, 0, 0); err != nil {
		return row, col, err
	}
	// Elements of a list of structs came out element by element; parquet
	// wants the row's values column by column, each column in order.
	slices.SortStableFunc(e.row[start:], func(a, b parquet.Value) int { return a.Column() - b.Column() })
	return e.row, e.col, nil
}

// emit appends x, a value of optional node t whose parent is defined to
// level def, at repetition level rep; depth is the count of repeated
// nodes above t.
func (e *keptEmitter) emit(t coltype.Type, x any, rep, def, depth int) error {
	if x == nil {
		e.nulls(t, rep, def)
		return nil
	}
	def++
	switch t.Kind {
	case coltype.List:
		arr, ok := x.([]any)
		if !ok {
			return fmt.Errorf("want a JSON array for %s, found %s", t, jsonvalue.KindOf(x))
		}
		return e.repeat(len(arr), leafCount(*t.Elem), rep, def, depth, func(i, r int) error {
			return e.emit(*t.Elem, arr[i], r, def+1, depth+1)
		})
	case coltype.Map:
		obj, ok := x.(*jsonvalue.Object)
		if !ok {
			return fmt.Errorf("want a JSON object for %s, found %s", t, jsonvalue.KindOf(x))
		}
		return e.repeat(len(obj.Keys), leafCount(*t.Key)+leafCount(*t.Elem), rep, def, depth, func(i, r int) error {
			key := obj.Keys[i]
			k, err := leafValue(*t.Key, key)
			if err != nil {
				return err
			}
			e.row = append(e.row, k.Level(r, def+1, e.col))
			e.col++
			return e.emit(*t.Elem, obj.Vals[key], r, def+1, depth+1)
		})
	case coltype.Struct:
		obj, ok := x.(*jsonvalue.Object)
		if !ok {
			return fmt.Errorf("want a JSON object for %s, found %s", t, jsonvalue.KindOf(x))
		}
		for _, f := range t.Fields {
			if err := e.emit(f.Type, obj.Vals[f.Name], rep, def, depth); err != nil {
				return err
			}
		}
		return nil
	}
	pv, err := leafValue(t, leafText(x))
	if err != nil {
		return err
	}
	e.row = append(e.row, pv.Level(rep, def, e.col))
	e.col++
	return nil
}

// repeat emits n entries of a repeated node spanning leaves columns, each
// by one(i, rep); an empty one is a NULL at the parent's level in each.
func (e *keptEmitter) repeat(n, leaves, rep, def, depth int, one func(i, rep int) error) error {
	start := e.col
	if n == 0 {
		for range leaves {
			e.row = append(e.row, parquet.NullValue().Level(rep, def, e.col))
			e.col++
		}
		return nil
	}
	for i := range n {
		e.col = start
		r := rep
		if i > 0 {
			r = depth + 1
		}
		if err := one(i, r); err != nil {
			return err
		}
	}
	e.col = start + leaves
	return nil
}

// nulls appends a NULL at (rep, def) to every leaf column of t.
func (e *keptEmitter) nulls(t coltype.Type, rep, def int) {
	for range leafCount(t) {
		e.row = append(e.row, parquet.NullValue().Level(rep, def, e.col))
		e.col++
	}
}

// leafText is the text of a decoded scalar; an array or object (inside a
// JSON leaf) is compact JSON in its written order.
func leafText(x any) string {
	switch v := x.(type) {
	case string:
		return v
	case json.Number:
		return string(v)
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	return string(jsonvalue.Append(nil, x))
}
