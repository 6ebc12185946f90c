package jsonschema

import (
	"encoding/json"
	"fmt"
)

// Decode returns the value of each column in answer, in the order of cols,
// as the Go values writers take:
//
//	KindString  string          KindArray   []any of the element's values
//	KindInt64   int64           KindObject  map[string]any of the fields' values
//	KindDouble  float64         KindJSON    json.RawMessage (compact JSON)
//	KindBoolean bool            null        nil (only where Nullable)
//
// It expects an answer that passed [Schema.Validate] for the schema cols
// came from, and returns an error naming the JSON path where the answer and
// the columns disagree (a missing non-nullable property, an integer out of
// int64 range, a wrong type). Its cost is one parse of the answer.
func Decode(cols []Column, answer []byte) ([]any, error) {
	v, err := parseJSON(answer)
	if err != nil {
		return nil, &AnswerError{Reason: err.Error()}
	}
	o, ok := v.(*object)
	if !ok {
		return nil, &AnswerError{Path: "$", Reason: "expected an object, got " + kindOf(v)}
	}
	out := make([]any, len(cols))
	for i, c := range cols {
		if out[i], err = columnValue(c, o.Vals[c.Name], "$"+key(c.Name)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// columnValue converts one parsed value for column c (missing values
// arrive as nil).
func columnValue(c Column, v any, path string) (any, error) {
	if v == nil {
		if !c.Nullable && c.Kind != KindJSON {
			return nil, &AnswerError{Path: path, Reason: "null or missing, but the schema does not allow null"}
		}
		return nil, nil
	}
	mismatch := func() error {
		return &AnswerError{Path: path, Reason: fmt.Sprintf("expected a value for a %s column, got %s", c.Kind, kindOf(v))}
	}
	switch c.Kind {
	case KindString:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case KindInt64:
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				return i, nil
			}
			if f, err := n.Float64(); err == nil && isInteger(n) && f >= -(1<<63) && f < 1<<63 {
				return int64(f), nil // written 3.0 or 1e3
			}
			return nil, &AnswerError{Path: path, Reason: fmt.Sprintf("%s is not an integer within int64", n)}
		}
	case KindDouble:
		if n, ok := v.(json.Number); ok {
			f, err := n.Float64()
			if err != nil {
				return nil, &AnswerError{Path: path, Reason: fmt.Sprintf("%s is out of float64 range", n)}
			}
			return f, nil
		}
	case KindBoolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case KindArray:
		if list, ok := v.([]any); ok {
			out := make([]any, len(list))
			for i, e := range list {
				var err error
				if out[i], err = columnValue(*c.Elem, e, path+index(i)); err != nil {
					return nil, err
				}
			}
			return out, nil
		}
	case KindObject:
		if o, ok := v.(*object); ok {
			out := make(map[string]any, len(c.Fields))
			for _, f := range c.Fields {
				var err error
				if out[f.Name], err = columnValue(f, o.Vals[f.Name], path+key(f.Name)); err != nil {
					return nil, err
				}
			}
			return out, nil
		}
	case KindJSON:
		return json.RawMessage(appendJSON(nil, v)), nil
	}
	return nil, mismatch()
}
