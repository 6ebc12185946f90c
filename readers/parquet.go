package readers

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/parquet-go/parquet-go"
)

// Counter is implemented by readers that know their total number of
// records before reading them (Parquet files, from their footer), so a
// progress display can show a real total rather than a byte estimate.
type Counter interface {
	// TotalRows returns the number of records the input holds.
	TotalRows() int64
}

// parquetBatch is how many rows are decoded at a time: small enough that
// a batch of wide rows stays small, large enough to amortise the calls.
const parquetBatch = 64

// parquetReader reads one Parquet file, row group by row group, a batch of
// rows at a time; only the pages being decoded are in memory.
//
// Records have one field per top-level column, in file order (Header
// returns the names, known at Open). Position.Line is the 1-based row
// within the file; Position.Row continues across the files of a glob or
// directory as for the other formats. A NULL is Field.Null. Values keep
// their natural text:
//
//   - integers in decimal (unsigned logical types as unsigned), booleans
//     true/false;
//   - FLOAT and DOUBLE in the shortest form that reads back exactly, plain
//     unless tiny or huge (0.1, 1e-7, 1e+21, as JavaScript and JSON
//     writers print them), NaN, Infinity, -Infinity;
//   - DECIMAL with its scale's digits (DECIMAL(10,2) 1.5 is "1.50");
//   - DATE as 2024-01-01; TIME as 15:04:05.5; TIMESTAMP as RFC 3339 with
//     "T": with a "Z" when the column is adjusted to UTC
//     (2024-01-01T12:00:00.25Z, DuckDB's TIMESTAMPTZ), without a zone when
//     it is not (2024-01-01T12:00:00.25, DuckDB's TIMESTAMP); fractions of
//     a second only when non-zero, without trailing zeros; legacy INT96
//     timestamps (Impala, Spark) without a zone, as DuckDB reads them;
//   - STRING, ENUM and JSON as written; UUID in canonical form; other
//     binary as text when it is valid UTF-8 (older Hive and Impala files
//     store strings so), otherwise standard base64;
//   - lists, structs and maps as compact JSON: lists as arrays, structs as
//     objects with fields in schema order, maps as objects (keys as
//     strings); inside them strings, dates and times are JSON strings and
//     numbers bare.
//
// Parquet needs random access: standard input and .gz/.zst-wrapped files
// are refused. A corrupt file is an error naming the file and the row
// group; parquet-go panics on some bad input, which is recovered here.
type parquetReader struct {
	first  int64 // the input-wide row index of this file's first row
	name   string
	file   *os.File
	pf     *parquet.File
	cols   []*pqNode // top-level columns in file order
	header []string
	leaves int // leaf columns in the file

	groups []parquet.RowGroup
	gi     int          // index of the next row group to open
	rows   parquet.Rows // the current row group's rows; nil between groups
	batch  []parquet.Row
	recs   []Record // the current batch, converted
	ri     int      // next record of recs to return
	asm    assembler
	buf    []byte

	ends  []int  // scratch for convert
	nulls []bool // scratch for convert

	line    int   // 1-based row within the file of the last record converted
	row     int64 // row index the next record takes
	total   int64
	err     error // sticky fatal error
	pending error // fatal error met after the good rows of the current batch

	read     *atomic.Int64
	reported int64 // bytes added to read so far
	size     int64
}

// newParquetReader opens path and reads its footer and schema. Parquet
// needs random access, so standard input and compressed files are refused.
func newParquetReader(path string, firstRow int64, read *atomic.Int64) (r *parquetReader, err error) {
	if path == "-" {
		return nil, fmt.Errorf("read %s: Parquet input cannot come from standard input (it needs random access): give a file path", stdinName)
	}
	if c := compression(path); c != "" {
		return nil, fmt.Errorf("read %s: a Parquet file cannot be .%s-compressed as a whole (Parquet compresses its own pages): decompress it first", path, c)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open input: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("open input: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("open input %s: a Parquet file must be a regular file (it needs random access)", path)
	}
	r = &parquetReader{name: path, file: f, row: firstRow, first: firstRow, read: read, size: st.Size()}
	err = r.guard("read footer", func() error {
		pf, err := parquet.OpenFile(f, st.Size(),
			parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
		if err != nil {
			return err
		}
		r.pf = pf
		return r.plan()
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// plan builds the conversion plan for every top-level column.
func (r *parquetReader) plan() error {
	seen := make(map[string]bool)
	for _, c := range r.pf.Root().Columns() {
		n, err := buildNode(c)
		if err != nil {
			return err
		}
		if seen[n.name] {
			return fmt.Errorf("%w: column name %q appears twice", ErrHeader, n.name)
		}
		seen[n.name] = true
		r.cols = append(r.cols, n)
		r.header = append(r.header, n.name)
		r.leaves += n.nLeaves
	}
	if len(r.cols) == 0 {
		return fmt.Errorf("%w: the schema has no columns", ErrHeader)
	}
	r.groups = r.pf.RowGroups()
	// The row groups' counts, not the footer's total: some writers
	// (parquet-rs 0.3) leave the total at 0, and readers go by the groups.
	for _, g := range r.groups {
		if n := g.NumRows(); n >= 0 {
			r.total += n
		}
	}
	r.batch = make([]parquet.Row, parquetBatch)
	return nil
}

// guard runs f, turning an error or a panic (parquet-go panics on some
// corrupt input) into an error naming the file and the step.
func (r *parquetReader) guard(what string, f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: corrupt Parquet file: %s: %v", r.name, what, p)
		}
	}()
	if err := f(); err != nil {
		return fmt.Errorf("%s: %s: %w", r.name, what, err)
	}
	return nil
}

// Next returns the next record. See Reader. Position.Line is the 1-based
// row within the file (Parquet has no lines).
func (r *parquetReader) Next(ctx context.Context) (Record, error) {
	if r.err != nil {
		return Record{}, r.err
	}
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	for r.ri >= len(r.recs) {
		if err := r.fill(); err != nil {
			if err != io.EOF {
				r.err = err
			}
			return Record{}, err
		}
	}
	rec := r.recs[r.ri]
	r.recs[r.ri] = Record{} // let the batch's strings go as soon as they are used
	r.ri++
	return rec, nil
}

// fill decodes the next batch of rows into recs, opening the next row
// group when the current one is done. It returns io.EOF after the last.
func (r *parquetReader) fill() error {
	r.recs, r.ri = r.recs[:0], 0
	if r.pending != nil {
		return r.pending
	}
	if r.rows == nil {
		if r.gi >= len(r.groups) {
			r.progress(r.size)
			return io.EOF
		}
		g := r.groups[r.gi]
		r.gi++
		if err := r.guard(r.where("open"), func() error { r.rows = g.Rows(); return nil }); err != nil {
			return err
		}
	}
	var n int
	var rerr error
	err := r.guard(r.where("read"), func() error {
		n, rerr = r.rows.ReadRows(r.batch)
		if rerr != nil && rerr != io.EOF {
			return rerr
		}
		// Convert before the next read or Close: values may point into
		// page buffers that parquet-go reuses.
		for _, row := range r.batch[:n] {
			rec, err := r.convert(row)
			if err != nil {
				return err
			}
			r.recs = append(r.recs, rec)
		}
		return nil
	})
	if err != nil {
		if len(r.recs) > 0 {
			r.pending = err // hand out the rows before the bad one first
			return nil
		}
		return err
	}
	if rerr == io.EOF || n == 0 {
		rows := r.rows
		r.rows = nil
		if err := r.guard(r.where("close"), rows.Close); err != nil {
			return err
		}
		if n == 0 && rerr == nil {
			return fmt.Errorf("%s: %s: no rows and no error: corrupt Parquet file", r.name, r.where("read"))
		}
	}
	if r.total > 0 {
		r.progress(r.size * int64(r.line) / r.total)
	}
	return nil
}

// where names the current row group for error messages.
