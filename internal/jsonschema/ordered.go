package jsonschema

import (
	"encoding/json"

	"github.com/batchprompt/batchprompt/internal/jsonvalue"
)

// The schema and the answers are decoded in order (internal/jsonvalue):
// the order of a schema's properties is the order of the output columns,
// and the API answers keys in schema order.

type object = jsonvalue.Object

func parseJSON(b []byte) (any, error)   { return jsonvalue.Parse(b) }
func appendJSON(b []byte, v any) []byte { return jsonvalue.Append(b, v) }
func kindOf(v any) string               { return jsonvalue.KindOf(v) }
func isInteger(n json.Number) bool      { return jsonvalue.IsInteger(n) }
