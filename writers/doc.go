// Package writers formats result rows as JSONL, CSV, TSV or Parquet.
//
// A Writer writes to the io.Writer it is handed and never opens, closes or
// publishes files itself: publication (temp file, fsync, rename) belongs to
// the caller, typically through internal/atomicfile.
//
// Every format carries the same columns in the same order (see
// Schema.Columns) and the same content: a null in one format is a null (or
// an empty CSV cell) in every other, and text is always valid UTF-8, with
// each invalid byte of the input replaced by U+FFFD.
package writers
