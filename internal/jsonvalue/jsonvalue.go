// Package jsonvalue decodes JSON keeping what encoding/json's generic
// decoding loses: object key order (a schema's property order is its
// column order; a Parquet map's entries keep theirs) and numbers as
// written (json.Number), and writes such values back as compact JSON.
package jsonvalue

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// Object is a JSON object that remembers its key order.
type Object struct {
	Keys []string       // in the order first written
	Vals map[string]any // by key
}

// Get returns the member named key and whether it is present.
func (o *Object) Get(key string) (any, bool) {
	v, ok := o.Vals[key]
	return v, ok
}

// Parse decodes b into nil, bool, json.Number, string, []any and *Object
// values. It refuses trailing data. A repeated key keeps its first
// position and its last value, as encoding/json does.
func Parse(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("unexpected data after the JSON value at byte %d", dec.InputOffset())
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("unexpected end of JSON input: %w", io.ErrUnexpectedEOF)
	}
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			list := []any{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			_, err := dec.Token() // ']'
			return list, err
		}
		o := &Object{Vals: map[string]any{}}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k, _ := kt.(string) // the decoder only yields string keys here
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			if _, dup := o.Vals[k]; !dup {
				o.Keys = append(o.Keys, k)
			}
			o.Vals[k] = v
		}
		_, err := dec.Token() // '}'
		return o, err
	default:
		return t, nil // nil, bool, json.Number or string
	}
}

// Append appends v (a value from Parse) as compact JSON, keeping object
// key order.
func Append(b []byte, v any) []byte {
	switch t := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, t)
	case json.Number:
		return append(b, t...)
	case string:
		q, _ := json.Marshal(t) // strings always marshal
		return append(b, q...)
	case []any:
		b = append(b, '[')
		for i, e := range t {
			if i > 0 {
				b = append(b, ',')
			}
			b = Append(b, e)
		}
		return append(b, ']')
	case *Object:
		b = append(b, '{')
		for i, k := range t.Keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = Append(b, k)
			b = append(b, ':')
			b = Append(b, t.Vals[k])
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}

// KindOf names v's JSON type for messages: "a string", "an object", ….
func KindOf(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		if IsInteger(t) {
			return "an integer"
		}
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	}
	return "an object"
}

// IsInteger reports whether n is written as an integer or as a number with
// no fractional part (1.0 and 1e3 are integers in JSON Schema).
func IsInteger(n json.Number) bool {
	if _, err := n.Int64(); err == nil {
		return true
	}
	f, err := n.Float64()
	return err == nil && !math.IsInf(f, 0) && f == math.Trunc(f)
}
