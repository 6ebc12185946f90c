package readers

import (
	"errors"
	"fmt"
	"strconv"
)

// Position says where a record came from.
type Position struct {
	File string // path as given to Open (each file's own path for globs and directories); "<stdin>" for "-"
	Line int    // 1-based line where the record starts, counting every line of the file (a CSV header is line 1)
	Row  int64  // 0-based data-row index within the whole input; see the package doc
	// FileRow is the 0-based data-row index within File. With several
	// files it names a row by file and row, which stays stable when other
	// files are added or removed: resume keys rows on it.
	FileRow int64
}

// String returns "file:line", the form editors and compilers use.
func (p Position) String() string {
	return p.File + ":" + strconv.Itoa(p.Line)
}

// Field is one named value of a record.
type Field struct {
	Name  string
	Value string // CSV: the field exactly as written, unquoted; JSONL: see the package doc
	Null  bool   // JSON null; Value is then "". CSV values are never Null.
	// Kind is the type the value had in its input. Templates see every
	// value as text; an output that keeps the column writes it back with
	// its kind, so a JSONL 1 stays the number 1 and not "1".
	Kind Kind
}

// Kind is the JSON type of a value as its input gave it.
type Kind uint8

// The kinds of value. A null Field's Kind means nothing.
const (
	// KindText is a string: every CSV value, a JSON string, and Parquet
	// text, dates, times, timestamps, UUIDs and non-finite floats.
	KindText Kind = iota
	// KindNumber is a JSON number: as written in JSONL; a Parquet integer,
	// finite float or decimal in the form the package doc gives.
	KindNumber
	// KindBool is "true" or "false".
	KindBool
	// KindJSON is a JSON array or object, compact: JSONL nested values,
	// Parquet lists, structs and maps.
	KindJSON
)

// Record is one input row.
type Record struct {
	Pos    Position
	Fields []Field // in source order: CSV header order, JSONL keys in the order written
	// Err is non-nil (a *RowError) when this row could not be parsed.
	// Fields is then nil, except for a CSV or TSV row with the wrong number
	// of fields (ErrFieldCount): every field was read, so Fields holds the
	// ones the header names (the first len(header), or fewer), enough to
	// name the row by an id column. A stray delimiter may have shifted the
	// values after it, so they identify the row but must not be sent.
	Err error
}

// Lookup returns the field called name. It scans Fields in order, which is
// faster than a map for the few dozen fields typical rows have.
func (r Record) Lookup(name string) (Field, bool) {
	for _, f := range r.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// RowError describes a row that could not be parsed, or, when Next returns
// it, an error that ended the stream (an unterminated CSV quote).
type RowError struct {
	Pos    Position // the record's position (Line is where the record starts)
	Line   int      // line where the problem was found when it differs from Pos.Line; 0 otherwise
	Column int      // 1-based column (in characters) of the problem on its line; 0 when unknown
	Err    error    // the cause; one of the Err* values below, possibly wrapped with detail
}

// Error returns "file:line:column: cause", naming the record start when the
// problem lies on a later line of a multi-line record.
func (e *RowError) Error() string {
	line := e.Pos.Line
	if e.Line != 0 {
		line = e.Line
	}
	s := e.Pos.File + ":" + strconv.Itoa(line)
	if e.Column > 0 {
		s += ":" + strconv.Itoa(e.Column)
	}
	s += ": " + e.Err.Error()
	if line != e.Pos.Line {
		s += fmt.Sprintf(" (record starts at line %d)", e.Pos.Line)
	}
	return s
}

// Unwrap returns the cause, so errors.Is(err, ErrFieldCount) works.
func (e *RowError) Unwrap() error { return e.Err }

// Causes carried in RowError.Err (possibly wrapped with detail), for use
// with errors.Is.
var (
	ErrFieldCount        = errors.New("wrong number of fields")
	ErrBareQuote         = errors.New(`bare " in unquoted field`)
	ErrQuote             = errors.New(`extraneous or missing " in quoted field`)
	ErrUnterminatedQuote = errors.New("quoted field never closed before end of file")
	ErrHeader            = errors.New("invalid header")
	ErrSyntax            = errors.New("invalid JSON")
	ErrNotObject         = errors.New("not a JSON object")
	ErrDuplicateKey      = errors.New("duplicate key")
)
