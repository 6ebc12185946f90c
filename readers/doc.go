// Package readers streams input records from CSV, TSV and JSONL files,
// plain or compressed (.gz, .zst), and from Parquet files (row group by row
// group), one record at a time and in constant memory (bounded by the
// largest single record), each record carrying the position it came from
// so that every later error can name file and line (for Parquet, Line is
// the 1-based row within the file).
//
// Open is the only constructor. It takes a file path, "-" for standard
// input, a glob ("data/part-*.csv") or a directory, and returns a Reader
// whose Next yields Records until io.EOF:
//
//	r, err := readers.Open("data/reviews.csv", readers.Options{})
//	if err != nil { ... }          // cannot open, bad header, unknown format
//	defer r.Close()
//	for {
//		rec, err := r.Next(ctx)
//		if err == io.EOF { break }
//		if err != nil { ... }      // fatal: I/O, unterminated quote; names file:line
//		if rec.Err != nil { ... }  // this row is malformed; the stream goes on
//		v, _ := rec.Lookup("text")
//	}
//
// Formats. CSV (RFC 4180, any single-character delimiter) needs a header
// row; a UTF-8 byte order mark is dropped, blank lines are skipped, record
// terminators may be LF or CRLF, and quoted values keep embedded line
// breaks exactly as written. TSV is CSV with a tab delimiter. JSONL holds
// one JSON object per line; blank lines are skipped, and each value
// becomes text: strings unescaped (invalid UTF-8 becoming U+FFFD, as
// encoding/json does), numbers exactly as written (no float
// rounding), true and false as "true" and "false", null as Field.Null,
// nested objects and arrays as compact JSON. Keys keep the order written;
// a repeated key makes the row malformed.
//
// Errors come in two kinds. A malformed row (wrong number of CSV fields, a
// stray quote, a JSONL line that is not a JSON object) is reported in
// Record.Err as a *RowError and the stream continues with the next row; it
// still consumes a row index, so row indexes stay stable when the input is
// fixed and re-read. Anything the reader cannot recover from (a read error,
// corrupt compression, a CSV quote that is never closed) is returned by
// Next and every later call returns it again. Compressed input that cannot
// be decompressed (damaged, truncated, or not the format its extension
// names) gives an error wrapping ErrCorrupt that names the file, also when
// the damage first shows as a garbage CSV header: a header problem in a
// compressed file is checked against the whole file's checksum first.
//
// Columns. PeekColumns (on an opened Reader) and Columns (on a path) say
// which columns an input has before any row is processed: the CSV/TSV
// header, the Parquet schema's top-level columns, or for JSONL the keys of
// the first ColumnSample rows (then reported as not exhaustive).
//
// Row indexes count data rows from 0 across the whole input: header rows
// and blank lines take none, malformed rows take one each. When the input
// is several files (a glob or a directory), they are read in sorted path
// order and the row index continues from one file to the next, while
// Position.File and Position.Line restart for each file.
//
// The CSV parser is written here rather than taken from encoding/csv
// because encoding/csv rewrites CRLF inside quoted fields to LF; this one
// keeps every quoted value byte for byte as written.
package readers
