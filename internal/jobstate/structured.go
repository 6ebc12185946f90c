package jobstate

import (
	"github.com/batchprompt/batchprompt/internal/jsonschema"
	"github.com/batchprompt/batchprompt/internal/request"
)

// FingerprintResponseFormat is the fingerprint key holding a job's
// response_format (request.ResponseFormat's bytes). Only a job with
// --json-schema or --json-object has it, so other jobs' fingerprints are
// unchanged; export reads the typed output columns from it.
const FingerprintResponseFormat = "response_format"

// StructuredColumns returns the typed output columns of a job whose
// response_format is responseFormat: one per top-level property of its
// JSON Schema, or nil without a schema (json_object, none) or for one that
// does not parse (the renderer refuses that before anything is sent).
// run and export both derive the columns here, so they agree.
func StructuredColumns(responseFormat []byte) []jsonschema.Column {
	schema := request.SchemaOf(responseFormat)
	if schema == nil {
		return nil
	}
	s, err := jsonschema.Parse(schema)
	if err != nil {
		return nil
	}
	cols, err := s.Columns()
	if err != nil {
		return nil
	}
	return cols
}
