package readers

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"unicode/utf8"
)

// Reader yields records one at a time. It is not safe for concurrent use,
// except for the Progress methods, which may be called from any goroutine.
type Reader interface {
	// Next returns the next record, or io.EOF after the last one. A
	// malformed row is not an error here: it comes back as a Record with
	// Err set. Any other error is fatal for the stream, names file and
	// line, and is returned again by every later call. Next checks ctx
	// before reading; a single record is read to its end once begun.
	Next(ctx context.Context) (Record, error)
	// Close releases the open file(s); standard input is left open.
	Close() error
}

// Progress reports how far through its input a reader is. Every Reader
// returned by Open implements it.
type Progress interface {
	// BytesRead returns the bytes consumed so far: compressed bytes for
	// compressed input, a little ahead of the last record because of
	// buffering.
	BytesRead() int64
	// Size returns the total input size in bytes (compressed size for
	// compressed input), or -1 when unknown (standard input, pipes).
	Size() int64
}

// Options tune Open. The zero value reads by extension with default
// delimiters.
type Options struct {
	Format       string    // "csv", "tsv", "jsonl" (alias "ndjson"); "" = from the extension
	CSVDelimiter rune      // 0 = ',' for csv, '\t' for tsv
	Stdin        io.Reader // read when path is "-" (as JSONL unless Format says otherwise)
}

// Open opens path for reading: a file, "-" for Options.Stdin, a directory
// (its files with supported extensions, hidden ones excepted) or a glob
// pattern such as "data/part-*.csv". Files ending in .gz or .zst are
// decompressed on the fly. Open fails, naming the file and the cause, when
// the input cannot be opened or read, the format is unknown, or a CSV
// header is missing, has an empty or duplicate name, or differs between
// the files of a glob or directory (each file is opened once here to check
// its header).
//
// The returned Reader also implements Progress and HeaderReader.
func Open(path string, opt Options) (Reader, error) {
	format, err := normalizeFormat(opt.Format)
	if err != nil {
		return nil, err
	}
	if path == "-" {
		if format == "" {
			format = "jsonl"
		}
		return asReader(openOne(path, format, opt, 0, new(atomic.Int64)))
	}
	files, isSet, err := expand(path)
	if err != nil {
		return nil, err
	}
	if !isSet {
		if format == "" {
			if format, err = DetectFormat(path); err != nil {
				return nil, err
			}
		}
		return asReader(openOne(path, format, opt, 0, new(atomic.Int64)))
	}
	m, err := openMulti(path, files, format, opt)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// asReader returns a nil Reader, not a typed nil, with an error.
func asReader(r rowReader, err error) (Reader, error) {
	if err != nil {
		return nil, err
	}
	return r, nil
}

// rowReader is what Open's single-file readers have in common.
type rowReader interface {
	Reader
	Progress
	HeaderReader
	nextRow() int64
}

// openOne is the format switch for a single file.
func openOne(path, format string, opt Options, firstRow int64, read *atomic.Int64) (rowReader, error) {
	switch format {
	case "csv", "tsv":
		delim := opt.CSVDelimiter
		if delim == 0 {
			delim = ','
			if format == "tsv" {
				delim = '\t'
			}
		}
		if delim == '"' || delim == '\r' || delim == '\n' || !utf8.ValidRune(delim) || delim == utf8.RuneError {
			return nil, fmt.Errorf("invalid CSV delimiter %q", delim)
		}
		r, err := newCSVReader(path, opt, delim, firstRow, read)
		if err != nil {
			return nil, err // not r: a typed nil would make a non-nil Reader
		}
		return r, nil
	case "parquet":
		r, err := newParquetReader(path, firstRow, read)
		if err != nil {
			return nil, err
		}
		return r, nil
	case "jsonl", "openai-batch":
		// The Batch API's input is JSONL; the pipeline reads its custom_id,
		// method, url and body fields.
		r, err := newJSONLReader(path, opt, firstRow, read)
		if err != nil {
			return nil, err
		}
		return r, nil
	}
	return nil, fmt.Errorf("unsupported format %q", format)
}

// normalizeFormat maps an Options.Format to its canonical name.
func normalizeFormat(f string) (string, error) {
	switch strings.ToLower(f) {
	case "":
		return "", nil
	case "csv":
		return "csv", nil
	case "tsv":
		return "tsv", nil
	case "jsonl", "ndjson":
		return "jsonl", nil
	case "openai-batch":
		return "openai-batch", nil
	case "parquet":
		return "parquet", nil
	}
	return "", fmt.Errorf("unknown input format %q: supported formats are csv, tsv, jsonl (ndjson), parquet, openai-batch", f)
}

// DetectFormat returns "csv", "tsv" or "jsonl" from path's extension,
// ignoring a trailing .gz or .zst, case-insensitively.
func DetectFormat(path string) (string, error) {
	base := strings.ToLower(filepath.Base(path))
	base = strings.TrimSuffix(strings.TrimSuffix(base, ".gz"), ".zst")
	switch filepath.Ext(base) {
	case ".csv":
		return "csv", nil
	case ".tsv", ".tab":
		return "tsv", nil
	case ".jsonl", ".ndjson":
		return "jsonl", nil
	case ".parquet":
		return "parquet", nil
	}
	return "", fmt.Errorf("cannot tell the input format of %s from its extension: supported are .csv, .tsv, .tab, .jsonl, .ndjson, each optionally followed by .gz or .zst, and .parquet (or set the format explicitly)", path)
}

// expand resolves a directory or glob to its files in sorted order. isSet
// is false for a plain path, which is left to the opener (so that a
// missing file is reported by os.Open with its own message).
func expand(path string) (files []string, isSet bool, err error) {
	st, statErr := os.Stat(path)
	switch {
	case statErr == nil && st.IsDir():
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, true, fmt.Errorf("read input directory: %w", err)
		}
		for _, e := range entries { // ReadDir sorts by name
			name := e.Name()
			if strings.HasPrefix(name, ".") || e.IsDir() {
				continue
			}
			if _, err := DetectFormat(name); err != nil {
				continue
			}
			files = append(files, filepath.Join(path, name))
		}
		if len(files) == 0 {
			return nil, true, fmt.Errorf("input directory %s holds no .csv, .tsv, .tab, .jsonl, .ndjson or .parquet files", path)
		}
		return files, true, nil
	case statErr == nil:
		return nil, false, nil
	case !strings.ContainsAny(path, "*?["):
		return nil, false, nil
	}
	matches, err := filepath.Glob(path)
	if err != nil {
		return nil, true, fmt.Errorf("input pattern %s: %w", path, err)
	}
	for _, m := range matches { // Glob sorts
		if st, err := os.Stat(m); err == nil && !st.IsDir() {
			files = append(files, m)
		}
	}
	if len(files) == 0 {
		return nil, true, fmt.Errorf("input pattern %s matches no files", path)
	}
	return files, true, nil
}

// HeaderReader is implemented by every Reader Open returns. Header gives
// the column names in file order for CSV and TSV input (known as soon as
// Open returns, so a prompt template can be checked before any row is
// read), and nil for JSONL, whose keys may differ from line to line. The
// slice must not be modified.
type HeaderReader interface {
	Header() []string
}
