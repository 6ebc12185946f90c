package writers

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestSchemaCollisions(t *testing.T) {
	tests := []struct {
		name    string
		schema  Schema
		wantErr string // substring; "" means no error
	}{
		{"no keep", Schema{}, ""},
		{"default id", Schema{Keep: []string{"prompt"}}, ""},
		{"kept named output", Schema{Keep: []string{"q", "output"}}, `"output"`},
		{"kept named error", Schema{Keep: []string{"error"}}, `"error"`},
		{"kept named like default id", Schema{Keep: []string{"row"}}, `"row"`},
		{"kept named like id", Schema{IDColumn: "id", Keep: []string{"id"}}, `"id"`},
		{"duplicate kept", Schema{Keep: []string{"a", "b", "a"}}, `"a"`},
		{"id named cost_usd", Schema{IDColumn: "cost_usd"}, `"cost_usd"`},
		{"invalid utf8 names that meet", Schema{Keep: []string{"x\xff", "x\xfe"}}, "x\uFFFD"},
		{"case differs", Schema{Keep: []string{"Output"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.schema.Columns()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Columns: %v", err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Columns error = %v, want one naming %s", err, tt.wantErr)
			}
			for _, format := range allFormats {
				_, err := New(format, &bytes.Buffer{}, tt.schema)
				if (err != nil) != (tt.wantErr != "") {
					t.Errorf("New(%s) error = %v", format, err)
				}
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name   string
		schema Schema
		row    Row
	}{
		{"too few kept", Schema{Keep: []string{"a", "b"}}, Row{ID: "1", Kept: []Value{{Text: "x"}}}},
		{"too many kept", Schema{}, Row{ID: "1", Kept: []Value{{Text: "x"}}}},
		{"row number not integer", Schema{RowNumberID: true}, Row{ID: "x1"}},
		{"row number empty", Schema{RowNumberID: true}, Row{ID: ""}},
	}
	for _, tt := range tests {
		for _, format := range allFormats {
			t.Run(tt.name+"/"+format, func(t *testing.T) {
				w, err := New(format, &bytes.Buffer{}, tt.schema)
				if err != nil {
					t.Fatal(err)
				}
				if err := w.Write(tt.row); err == nil {
					t.Error("Write accepted a bad row")
				}
			})
		}
	}
}

func TestWriteAfterClose(t *testing.T) {
	for _, format := range allFormats {
		t.Run(format, func(t *testing.T) {
			w, err := New(format, &bytes.Buffer{}, Schema{})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if err := w.Write(Row{ID: "1"}); !errors.Is(err, errClosed) {
				t.Errorf("Write after Close = %v, want errClosed", err)
			}
		})
	}
}

// failWriter fails every write, like a full disk.
type failWriter struct{}

var errDiskFull = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestUnderlyingWriteErrorSurfaces(t *testing.T) {
	for _, format := range allFormats {
		t.Run(format, func(t *testing.T) {
			w, err := New(format, failWriter{}, Schema{})
			if err != nil {
				return // the CSV header may be written eagerly; failing here is fine
			}
			var werr error
			for i := 0; i < 1000 && werr == nil; i++ {
				werr = w.Write(Row{ID: "r", Output: strings.Repeat("x", 1000)})
			}
			cerr := w.Close()
			if !errors.Is(werr, errDiskFull) && !errors.Is(cerr, errDiskFull) {
				t.Errorf("write error lost: Write %v, Close %v", werr, cerr)
			}
		})
	}
}

func TestNewUnknownFormat(t *testing.T) {
	_, err := New("xlsx", &bytes.Buffer{}, Schema{})
	if err == nil || !strings.Contains(err.Error(), "xlsx") || !strings.Contains(err.Error(), "parquet") {
		t.Errorf("New(xlsx) error = %v", err)
	}
	if _, err := New("csv", nil, Schema{}); err == nil {
		t.Error("New with nil io.Writer succeeded")
	}
}

func TestFormatFromPath(t *testing.T) {
	tests := []struct{ path, want string }{
		{"out.jsonl", "jsonl"},
		{"dir.d/out.ndjson", "jsonl"},
		{"OUT.CSV", "csv"},
		{"x.tsv", "tsv"},
		{"/tmp/a.b.parquet", "parquet"},
		{"out.txt", ""},
		{"out", ""},
		{"out.csv.gz", ""},
	}
	for _, tt := range tests {
		got, err := FormatFromPath(tt.path)
		if tt.want == "" {
			if err == nil || !strings.Contains(err.Error(), ".ndjson") || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("FormatFromPath(%q) = %q, %v; want an error listing extensions", tt.path, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("FormatFromPath(%q) = %q, %v; want %q", tt.path, got, err, tt.want)
		}
	}
}
