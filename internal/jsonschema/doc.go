// Package jsonschema is what batchprompt knows about JSON Schemas for
// structured output: it checks a schema against OpenAI's strict-mode rules
// before anything is sent ([Check]), turns its top-level properties into
// typed output columns ([Schema.Columns]), checks a model's answer against
// it so a broken answer can be retried ([Validate]), converts a valid
// answer into per-column Go values for the writers ([Decode]), and makes a
// conforming example answer ([Schema.Example]) for the simulator.
//
// It has no dependencies beyond the standard library: strict mode allows a
// small subset of JSON Schema, and the messages name the strict-mode rule
// and the change to make, which a general validator would not.
//
// # Paths
//
// Every message carries a JSON path: into the schema for [Check]
// ("$.properties.tags.items: ..."), into the answer for [Validate]
// ("$.tags[1]: expected a string, got an integer"). Names that are not
// plain identifiers are quoted: $.properties["unit price"].
//
// # How values map to columns
//
// Scalars map directly: string and string enums → string, integer → int64,
// number → double, boolean → boolean; a type union with "null" makes the
// column nullable and the model's null a NULL.
//
// Arrays and nested objects map to Parquet LIST and STRUCT (KindArray,
// KindObject), not to a JSON string column. Strict mode makes that safe:
// every property is required and additionalProperties is false, so every
// answer has exactly the schema's shape, and that shape is a fixed Parquet
// schema. The typed form is what a user queries without casts:
//
//   - DuckDB reads LIST as T[] and STRUCT as STRUCT(...): tags[1],
//     address.city, unnest(tags). (Checked with DuckDB 1.5.6 on a file
//     parquet-go wrote from [Decode]'s values: VARCHAR[], STRUCT(name
//     VARCHAR, age BIGINT), JSON[] for a recursive list.)
//   - pandas (read_parquet with pyarrow) gives a numpy array per LIST cell
//     and a dict per STRUCT cell; pyarrow keeps list<...>/struct<...>.
//   - Polars gives List and Struct columns: pl.col("tags").list.len(),
//     pl.col("address").struct.field("city").
//
// A JSON string column would make each of them parse text (json_extract,
// json.loads, str.json_decode) and lose the types. Only where the schema
// does not fix one shape does a value become KindJSON, a string column of
// compact JSON (with the Parquet JSON logical type, which DuckDB reads as
// JSON): a recursive $ref (a tree has no fixed depth) and a union of
// different non-null types (anyOf string | object, ["string", "integer"]).
// In JSONL outputs every value is the model's JSON value as it came; in CSV
// arrays, objects and KindJSON values are their compact JSON text.
package jsonschema
