package writers

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/parquet-go/parquet-go"
)

func TestParquetSchemaTypes(t *testing.T) {
	type col struct {
		name     string
		kind     parquet.Kind
		optional bool
		logical  string // as parquet-go prints it; "" for none
	}
	results := []col{
		{"output", parquet.ByteArray, true, "STRING"},
		{"finish_reason", parquet.ByteArray, true, "STRING"},
		{"model", parquet.ByteArray, true, "STRING"},
		{"prompt_tokens", parquet.Int64, false, "INT(64,true)"},
		{"completion_tokens", parquet.Int64, false, "INT(64,true)"},
		{"cached_tokens", parquet.Int64, false, "INT(64,true)"},
		{"reasoning_tokens", parquet.Int64, false, "INT(64,true)"},
		{"cost_usd", parquet.Double, true, ""},
		{"latency_ms", parquet.Int64, false, "INT(64,true)"},
		{"attempts", parquet.Int64, false, "INT(64,true)"},
		{"error", parquet.ByteArray, true, "STRING"},
		{"served_from", parquet.ByteArray, true, "STRING"},
	}
	tests := []struct {
		name   string
		schema Schema
		want   []col
	}{
		{"row number id", Schema{RowNumberID: true, Keep: []string{"zeta", "alpha"}},
			append([]col{{"row", parquet.Int64, false, "INT(64,true)"}, {"zeta", parquet.ByteArray, true, "STRING"},
				{"alpha", parquet.ByteArray, true, "STRING"}}, results...)},
		{"string id", Schema{IDColumn: "custom_id"},
			append([]col{{"custom_id", parquet.ByteArray, false, "STRING"}}, results...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := writeAll(t, "parquet", tt.schema, nil)
			f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			fields := f.Schema().Fields()
			if len(fields) != len(tt.want) {
				t.Fatalf("%d columns, want %d", len(fields), len(tt.want))
			}
			for i, fld := range fields {
				w := tt.want[i]
				logical := ""
				if lt := fld.Type().LogicalType(); lt != nil {
					logical = lt.String()
				}
				got := col{fld.Name(), fld.Type().Kind(), fld.Optional(), logical}
				if got != w || fld.Repeated() {
					t.Errorf("column %d = %+v (repeated %v), want %+v", i, got, fld.Repeated(), w)
				}
			}
			if n := f.NumRows(); n != 0 {
				t.Errorf("NumRows = %d, want 0", n)
			}
			for _, cc := range f.Metadata().RowGroups {
				for _, c := range cc.Columns {
					if c.MetaData.Codec.String() != "ZSTD" {
						t.Errorf("column %v codec %v, want ZSTD", c.MetaData.PathInSchema, c.MetaData.Codec)
					}
				}
			}
		})
	}
}

// TestParquetRowGroupsCapped checks that a long output is split into row
// groups of bounded size, and that reused buffers do not leak one batch's
// strings into another.
func TestParquetRowGroupsCapped(t *testing.T) {
	// A lower cap than parquetRowsPerGroup (64k) checks the same code in
	// a fraction of the rows.
	const limit = 4 * parquetBatch
	const n = limit*2 + 123
	var buf bytes.Buffer
	w, err := New("parquet", &buf, Schema{RowNumberID: true, Keep: []string{"k"}})
	if err != nil {
		t.Fatal(err)
	}
	w.(*parquetWriter).maxGroupRows = limit
	for i := range n {
		r := Row{ID: fmt.Sprint(i), Kept: []Value{{Text: fmt.Sprint("k", i)}}, Output: fmt.Sprint("out-", i), Attempts: 1}
		if i%7 == 0 {
			r.Kept[0] = Value{Null: true}
		}
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if f.NumRows() != n {
		t.Fatalf("NumRows = %d, want %d", f.NumRows(), n)
	}
	groups := f.RowGroups()
	if len(groups) != 3 {
		t.Errorf("%d row groups, want 3", len(groups))
	}
	for i, g := range groups {
		if g.NumRows() > limit {
			t.Errorf("row group %d holds %d rows, cap %d", i, g.NumRows(), limit)
		}
	}
	cols, _ := Schema{RowNumberID: true, Keep: []string{"k"}}.Columns()
	tb := decode(t, "parquet", buf.Bytes(), cols)
	for i, row := range tb.rows {
		wantK := fmt.Sprint("k", i)
		if i%7 == 0 {
			if row[1] != nil {
				t.Fatalf("row %d: k = %s, want null", i, show(row[1]))
			}
		} else if row[1] == nil || *row[1] != wantK {
			t.Fatalf("row %d: k = %s, want %q", i, show(row[1]), wantK)
		}
		if *row[0] != fmt.Sprint(i) || *row[2] != fmt.Sprint("out-", i) {
			t.Fatalf("row %d: id %s output %s", i, show(row[0]), show(row[2]))
		}
	}
}

// TestParquetRowGroupsCappedByBytes checks that long outputs end a row group
// before the row cap does.
func TestParquetRowGroupsCappedByBytes(t *testing.T) {
	var buf bytes.Buffer
	w, err := New("parquet", &buf, Schema{})
	if err != nil {
		t.Fatal(err)
	}
	w.(*parquetWriter).maxGroupBytes = 10 * parquetBatch * 100 // ten batches of 100-byte outputs
	const n = 25 * parquetBatch
	for i := range n {
		if err := w.Write(Row{ID: fmt.Sprint(i), Output: fmt.Sprintf("%0100d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(f.RowGroups()); got != 3 {
		t.Errorf("%d row groups, want 3", got)
	}
	if f.NumRows() != n {
		t.Errorf("NumRows = %d, want %d", f.NumRows(), n)
	}
}
