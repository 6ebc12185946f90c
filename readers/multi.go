package readers

import (
	"context"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"sync/atomic"

	"github.com/batchprompt/batchprompt/internal/coltype"
)

// multiReader reads several files of one format as a single input, one
// after the other; row indexes continue across files.
type multiReader struct {
	files  []string
	format string
	opt    Options
	header []string       // CSV: the first file's header, which every file must repeat
	types  []coltype.Type // Parquet: per header column, the type every file agrees on

	idx  int       // index in files of cur
	cur  rowReader // nil before the first and after the last file
	row  int64     // row index the next file starts at
	err  error     // sticky fatal error
	read atomic.Int64
	size int64
	// total is the sum of the files' row counts when every file says it
	// up front (Parquet); -1 otherwise.
	total int64
}

// openMulti checks that files share one format (and, for CSV, one header)
// and opens the first.
func openMulti(pattern string, files []string, format string, opt Options) (*multiReader, error) {
	if format == "" {
		for _, f := range files {
			ff, err := DetectFormat(f)
			if err != nil {
				return nil, fmt.Errorf("input %s: %w", pattern, err)
			}
			if format == "" {
				format = ff
			} else if ff != format {
				return nil, fmt.Errorf("input %s mixes formats: %s is %s but %s is %s", pattern, files[0], format, f, ff)
			}
		}
	}
	m := &multiReader{files: files, format: format, opt: opt, total: -1}
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			return nil, fmt.Errorf("open input: %w", err)
		}
		if m.size >= 0 && st.Mode().IsRegular() {
			m.size += st.Size()
		} else {
			m.size = -1
		}
	}
	if format == "csv" || format == "tsv" {
		// Read every header now, so a mismatch fails before any work is
		// done rather than hours into a run.
		for _, f := range files {
			r, err := openOne(f, format, opt, 0, new(atomic.Int64))
			if err != nil {
				return nil, err
			}
			h := r.(*csvReader).Header()
			r.Close()
			if err := m.checkHeader(f, h); err != nil {
				return nil, err
			}
		}
	}
	if format == "parquet" {
		// Footers are cheap to read: a progress bar gets a real total, and
		// a corrupt part fails before any work is done.
		m.total = 0
		for _, f := range files {
			r, err := newParquetReader(f, 0, new(atomic.Int64))
			if err != nil {
				return nil, err
			}
			m.total += r.TotalRows()
			if m.header == nil {
				m.header, m.types = r.Header(), r.ColumnTypes()
			} else {
				m.agreeTypes(r.Header(), r.ColumnTypes())
			}
			r.Close()
		}
	}
	if err := m.open(0); err != nil {
		return nil, err
	}
	return m, nil
}

// TotalRows is the number of rows in all the files when known up front
// (Parquet parts), or -1.
func (m *multiReader) TotalRows() int64 { return m.total }

// checkHeader records the first header and compares later ones with it.
func (m *multiReader) checkHeader(file string, h []string) error {
	if m.header == nil {
		m.header = h
		return nil
	}
	if !slices.Equal(h, m.header) {
		err := fmt.Errorf("%s:1: %w: differs from %s: %s", file, ErrHeader, m.files[0], headerDiff(h, m.header))
		// A damaged .gz part often decodes to a garbage header before
		// the decompressor notices: blame the damage, not the header.
		return orCorrupt(err, file, m.files[0])
	}
	return nil
}

// headerDiff says in a few words how header h differs from want: the first
// column that differs, or the columns one has beyond the other. Names are
// clipped, so a garbage header does not make a page-long message.
func headerDiff(h, want []string) string {
	for i := range min(len(h), len(want)) {
		if h[i] != want[i] {
			got, exp := clipPair(h[i], want[i])
			return fmt.Sprintf("column %d is %q, not %q", i+1, got, exp)
		}
	}
	if len(h) > len(want) {
		return fmt.Sprintf("%d columns, not %d: %q is extra", len(h), len(want), clip(h[len(want)], 0))
	}
	return fmt.Sprintf("%d columns, not %d: %q is missing", len(h), len(want), clip(want[len(h)], 0))
}

// clipPair clips two different names around where they first differ, so
// that two long names with a long common start still look different.
func clipPair(a, b string) (string, string) {
	ra, rb := []rune(a), []rune(b)
	same := 0
	for same < min(len(ra), len(rb)) && ra[same] == rb[same] {
		same++
	}
	from := max(0, same-clipContext)
	return clip(a, from), clip(b, from)
}

const (
	clipLimit   = 40 // characters of a name shown in an error message
	clipContext = 10 // characters shown before the first difference
)

// clip shortens s to clipLimit characters starting at rune from, marking
// what was cut with "…".
func clip(s string, from int) string {
	r := []rune(s)
	from = min(from, len(r))
	out := string(r[from:min(len(r), from+clipLimit)])
	if from > 0 {
		out = "…" + out
	}
	if from+clipLimit < len(r) {
		out += "…"
	}
	return out
}

// open opens files[i] as the current file.
func (m *multiReader) open(i int) error {
	r, err := openOne(m.files[i], m.format, m.opt, m.row, &m.read)
	if err != nil {
		return err
	}
	if cr, ok := r.(*csvReader); ok {
		if err := m.checkHeader(m.files[i], cr.Header()); err != nil {
			r.Close()
			return err
		}
	}
	m.idx, m.cur = i, r
	return nil
}

// Next returns the next record, moving on to the next file at the end of
// each. See Reader.
func (m *multiReader) Next(ctx context.Context) (Record, error) {
	for {
		if m.err != nil {
			return Record{}, m.err
		}
		if m.cur == nil {
			return Record{}, io.EOF
		}
		rec, err := m.cur.Next(ctx)
		if err != io.EOF {
			if err != nil && ctx.Err() == nil {
				m.err = err
			}
			return rec, err
		}
		m.row = m.cur.nextRow()
		cerr := m.cur.Close()
		m.cur = nil
		if cerr != nil {
			m.err = fmt.Errorf("close %s: %w", m.files[m.idx], cerr)
			continue
		}
		if m.idx+1 < len(m.files) {
			if err := m.open(m.idx + 1); err != nil {
				m.err = err
			}
		}
	}
}

// BytesRead reports input bytes consumed over all files so far.
func (m *multiReader) BytesRead() int64 { return m.read.Load() }

// Size reports the total size of all files, or -1 when unknown.
func (m *multiReader) Size() int64 { return m.size }

// Close releases the current file. It is safe to call more than once.
func (m *multiReader) Close() error {
	if m.cur == nil {
		return nil
	}
	err := m.cur.Close()
	m.cur = nil
	return err
}

// agreeTypes forgets the type of every column that a later file gives
// another type: its values then go to outputs by their own kinds.
func (m *multiReader) agreeTypes(header []string, types []coltype.Type) {
	for i, name := range m.header {
		if j := slices.Index(header, name); j >= 0 && !reflect.DeepEqual(types[j], m.types[i]) {
			m.types[i] = coltype.Type{}
		}
	}
}

// ColumnTypes returns the columns' types: text for CSV and TSV, what every
// Parquet file agrees on, nil for JSONL. See ColumnTyper.
func (m *multiReader) ColumnTypes() []coltype.Type {
	if m.format == "csv" || m.format == "tsv" {
		return textTypes(len(m.header))
	}
	return m.types
}

// Header returns the header every CSV file shares, nil for JSONL. See
// HeaderReader.
func (m *multiReader) Header() []string { return m.header }
