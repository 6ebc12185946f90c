package writers

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
)

// table is a decoded output: column names and rows of cells, nil for null.
type table struct {
	cols []string
	rows [][]*string
}

func ptr(s string) *string { return &s }

// writeAll writes rows in format and returns the bytes.
func writeAll(t *testing.T, format string, s Schema, rows []Row) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := New(format, &buf, s)
	if err != nil {
		t.Fatalf("New(%s): %v", format, err)
	}
	for i, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatalf("%s: Write row %d: %v", format, i, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("%s: Close: %v", format, err)
	}
	return buf.Bytes()
}

// decode reads an output back with an independent reader: encoding/json,
// encoding/csv or parquet-go.
func decode(t *testing.T, format string, data []byte, cols []string) table {
	t.Helper()
	switch format {
	case "jsonl":
		return decodeJSONL(t, data, cols)
	case "csv":
		return decodeDelimited(t, data, ',')
	case "tsv":
		return decodeDelimited(t, data, '\t')
	case "parquet":
		return decodeParquet(t, data)
	}
	t.Fatalf("unknown format %s", format)
	return table{}
}

func decodeJSONL(t *testing.T, data []byte, cols []string) table {
	t.Helper()
	if !utf8.Valid(data) {
		t.Fatalf("JSONL output is not valid UTF-8: %q", data)
	}
	tb := table{cols: cols}
	for i, line := range bytes.SplitAfter(data, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if line[len(line)-1] != '\n' {
			t.Fatalf("line %d not newline-terminated: %q", i+1, line)
		}
		if bytes.Count(line, []byte("\n")) != 1 {
			t.Fatalf("line %d holds a raw newline: %q", i+1, line)
		}
		if !json.Valid(line) {
			t.Fatalf("line %d is not valid JSON: %q", i+1, line)
		}
		// Walk tokens rather than unmarshal into a map, to check key order.
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			t.Fatalf("line %d: want object, got %v %v", i+1, tok, err)
		}
		var row []*string
		for k := 0; dec.More(); k++ {
			key, err := dec.Token()
			if err != nil {
				t.Fatalf("line %d: %v", i+1, err)
			}
			if k >= len(cols) || key != cols[k] {
				t.Fatalf("line %d: key %d = %q, want column order %q", i+1, k, key, cols)
			}
			val, err := dec.Token()
			if err != nil {
				t.Fatalf("line %d: %v", i+1, err)
			}
			switch v := val.(type) {
			case nil:
				row = append(row, nil)
			case string:
				row = append(row, ptr(v))
			case json.Number:
				row = append(row, ptr(v.String()))
			default:
				t.Fatalf("line %d key %q: unexpected value %#v", i+1, key, val)
			}
		}
		if len(row) != len(cols) {
			t.Fatalf("line %d: %d keys, want %d", i+1, len(row), len(cols))
		}
		tb.rows = append(tb.rows, row)
	}
	return tb
}

func decodeDelimited(t *testing.T, data []byte, comma rune) table {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = comma
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("re-reading output: %v\n%s", err, data)
	}
	if len(recs) == 0 {
		t.Fatal("no header row")
	}
	tb := table{cols: recs[0]}
	for _, rec := range recs[1:] {
		row := make([]*string, len(rec))
		for i := range rec {
			row[i] = ptr(rec[i])
		}
		tb.rows = append(tb.rows, row)
	}
	return tb
}

func decodeParquet(t *testing.T, data []byte) table {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("parquet.OpenFile: %v", err)
	}
	var tb table
	for _, fld := range f.Schema().Fields() {
		tb.cols = append(tb.cols, fld.Name())
	}
	for _, rg := range f.RowGroups() {
		rows := rg.Rows()
		buf := make([]parquet.Row, 100)
		for {
			n, err := rows.ReadRows(buf)
			for _, pr := range buf[:n] {
				row := make([]*string, len(tb.cols))
				for _, v := range pr {
					row[v.Column()] = parquetCell(t, v)
				}
				tb.rows = append(tb.rows, row)
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("ReadRows: %v", err)
			}
		}
		_ = rows.Close()
	}
	return tb
}

func parquetCell(t *testing.T, v parquet.Value) *string {
	t.Helper()
	if v.IsNull() {
		return nil
	}
	switch v.Kind() {
	case parquet.ByteArray:
		return ptr(string(v.ByteArray()))
	case parquet.Int64:
		return ptr(strconv.FormatInt(v.Int64(), 10))
	case parquet.Double:
		return ptr(strconv.FormatFloat(v.Double(), 'f', -1, 64))
	}
	t.Fatalf("unexpected parquet kind %v", v.Kind())
	return nil
}

// csvView maps nulls to "", the only way CSV can show them, and CRLF to LF:
// the writer keeps CRLF inside quoted values (TestCSVLayout checks the
// bytes), but encoding/csv's Reader turns it into LF when reading back.
func (tb table) csvView() table {
	out := table{cols: tb.cols}
	for _, r := range tb.rows {
		row := make([]*string, len(r))
		for i, c := range r {
			if c == nil {
				c = ptr("")
			}
			row[i] = ptr(strings.ReplaceAll(*c, "\r\n", "\n"))
		}
		out.rows = append(out.rows, row)
	}
	return out
}

// diff describes the first difference between two tables, or "".
func diff(a, b table) string {
	if len(a.cols) != len(b.cols) {
		return "columns " + strconv.Quote(join(a.cols)) + " vs " + strconv.Quote(join(b.cols))
	}
	for i := range a.cols {
		if a.cols[i] != b.cols[i] {
			return "column " + strconv.Itoa(i) + ": " + strconv.Quote(a.cols[i]) + " vs " + strconv.Quote(b.cols[i])
		}
	}
	if len(a.rows) != len(b.rows) {
		return strconv.Itoa(len(a.rows)) + " rows vs " + strconv.Itoa(len(b.rows))
	}
	for i := range a.rows {
		for j := range a.rows[i] {
			x, y := a.rows[i][j], b.rows[i][j]
			if (x == nil) != (y == nil) || (x != nil && *x != *y) {
				return "row " + strconv.Itoa(i) + " column " + a.cols[j] + ": " + show(x) + " vs " + show(y)
			}
		}
	}
	return ""
}

func show(s *string) string {
	if s == nil {
		return "null"
	}
	return strconv.Quote(*s)
}

func join(ss []string) string {
	var b []byte
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, s...)
	}
	return string(b)
}
