package readers

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkStream drains r, checking the invariants every reader keeps: Row
// goes up by exactly one per record, Line strictly increases, every row
// error is a *RowError at the record's own position, and the stream ends.
// It returns the records and the fatal error, if any.
func checkStream(t *testing.T, r Reader, inputLen int) ([]Record, error) {
	t.Helper()
	var recs []Record
	lastLine := 0
	for {
		// Every record consumes at least one line, so a reader that yields
		// more records than input bytes is looping.
		if len(recs) > inputLen+1 {
			t.Fatalf("more records than input bytes: looping")
		}
		rec, err := r.Next(t.Context())
		if err == io.EOF {
			return recs, nil
		}
		if err != nil {
			if _, err2 := r.Next(t.Context()); err2 == nil || err2 == io.EOF {
				t.Fatalf("fatal error %v not sticky: then %v", err, err2)
			}
			return recs, err
		}
		if want := int64(len(recs)); rec.Pos.Row != want {
			t.Fatalf("record %d has Row %d", want, rec.Pos.Row)
		}
		if rec.Pos.Line <= lastLine {
			t.Fatalf("line %d after line %d", rec.Pos.Line, lastLine)
		}
		lastLine = rec.Pos.Line
		if rec.Pos.File != stdinName {
			t.Fatalf("file %q", rec.Pos.File)
		}
		if rec.Err != nil {
			var re *RowError
			if !errors.As(rec.Err, &re) || re.Pos != rec.Pos || (rec.Fields != nil && !errors.Is(rec.Err, ErrFieldCount)) {
				t.Fatalf("row error %#v at %v", rec.Err, rec.Pos)
			}
		}
		for _, f := range rec.Fields {
			if !f.Null && !kindFits(f) {
				t.Fatalf("field %q kind %d has value %q: outputs would write it as broken JSON", f.Name, f.Kind, f.Value)
			}
		}
		recs = append(recs, rec)
	}
}

// kindFits reports whether a field's value is what its Kind promises:
// outputs write numbers, booleans and nested values bare in JSON.
func kindFits(f Field) bool {
	v := f.Value
	switch f.Kind {
	case KindText:
		return true
	case KindNumber:
		return v != "" && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')) && json.Valid([]byte(v))
	case KindBool:
		return v == "true" || v == "false"
	case KindJSON:
		return v != "" && (v[0] == '[' || v[0] == '{') && json.Valid([]byte(v))
	}
	return false
}

// compressedMagic reports input that Open would sniff as gzip or zstd on
// stdin. The fuzz targets skip it: they test our parsers, and decompressed
// output neither matches the input lines nor stays small (zip bombs).
func compressedMagic(in []byte) bool {
	return bytes.HasPrefix(in, []byte{0x1f, 0x8b}) || bytes.HasPrefix(in, []byte{0x28, 0xb5, 0x2f, 0xfd})
}

var csvSeeds = []string{
	"a,b\n1,2\n",
	"a,b\r\n\"x\r\ny\",\"q\"\"q\"\r\n",
	"\ufeffa\n\n\nx\n",
	"a,b\n1\n1,2,3\n",
	"a,b\nx\"y,z\n\"p\"q,r\n",
	"a,b\n1,\"open\n2,3\n",
	"名前,感想\n田中,\"とても良い, 🎉\"\n",
	"a,b\n1,",
	"a\n\"x\"",
	"a\r",
}

func fuzzCSV(f *testing.F, format string, delim rune) {
	for _, s := range csvSeeds {
		f.Add([]byte(strings.ReplaceAll(s, ",", string(delim))))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if compressedMagic(in) {
			return
		}
		r, err := Open("-", Options{Format: format, Stdin: bytes.NewReader(in)})
		if err != nil {
			return // header errors are fine; not panicking is the point
		}
		defer r.Close()
		header := r.(*csvReader).Header()
		recs, fatal := checkStream(t, r, len(in))
		for _, rec := range recs {
			if rec.Err == nil && len(rec.Fields) != len(header) {
				t.Fatalf("record with %d fields, header has %d", len(rec.Fields), len(header))
			}
		}
		compareEncodingCSV(t, in, delim, header, recs, fatal)
	})
}

// compareEncodingCSV checks our records against encoding/csv on inputs
// where the two must agree: no CR (encoding/csv rewrites it), no BOM (we
// strip it), and nothing encoding/csv rejects.
func compareEncodingCSV(t *testing.T, in []byte, delim rune, header []string, recs []Record, fatal error) {
	if bytes.ContainsRune(in, '\r') || bytes.HasPrefix(in, []byte("\ufeff")) || !utf8.Valid(in) {
		return
	}
	cr := csv.NewReader(bytes.NewReader(in))
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	all, err := cr.ReadAll()
	if err != nil || len(all) == 0 {
		return
	}
	if fatal != nil {
		t.Fatalf("encoding/csv reads this, we fail: %v", fatal)
	}
	if strings.Join(all[0], "\x00") != strings.Join(header, "\x00") {
		t.Fatalf("header %q, encoding/csv %q", header, all[0])
	}
	if len(all)-1 != len(recs) {
		t.Fatalf("%d records, encoding/csv %d", len(recs), len(all)-1)
	}
	for i, rec := range recs {
		want := all[i+1]
		if len(want) != len(header) {
			if !errors.Is(rec.Err, ErrFieldCount) {
				t.Fatalf("record %d: want field count error, got %v", i, rec.Err)
			}
			if n := min(len(want), len(header)); len(rec.Fields) != n {
				t.Fatalf("ragged record %d: %d fields, want the %d named ones", i, len(rec.Fields), n)
			}
			for j, f := range rec.Fields {
				if f.Name != header[j] || f.Value != want[j] {
					t.Fatalf("ragged record %d field %d: %s=%q, encoding/csv %s=%q", i, j, f.Name, f.Value, header[j], want[j])
				}
			}
			continue
		}
		if rec.Err != nil {
			t.Fatalf("record %d: %v, encoding/csv reads %q", i, rec.Err, want)
		}
		for j, f := range rec.Fields {
			if f.Value != want[j] {
				t.Fatalf("record %d field %d: %q, encoding/csv %q", i, j, f.Value, want[j])
			}
		}
	}
}

func FuzzCSV(f *testing.F) { fuzzCSV(f, "csv", ',') }

func FuzzTSV(f *testing.F) { fuzzCSV(f, "tsv", '\t') }

func FuzzJSONL(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b":"x"}` + "\n",
		"\ufeff{\"a\":null}\r\n\r\n  \n{\"b\":[1,{\"c\":true}]}",
		`{"s":"\u00e9\ud83c\udf89\ud800"}`,
		`[1,2]` + "\n" + `"x"` + "\n" + `{"a":1,"a":2}`,
		`{"a":-0.5e+3,"b":01}`,
		`{"名前":"田中 🎉"}`,
		`{"a":{"b":[[[[]]]]}} trailing`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if compressedMagic(in) {
			return
		}
		r, err := Open("-", Options{Format: "jsonl", Stdin: bytes.NewReader(in)})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer r.Close()
		recs, fatal := checkStream(t, r, len(in))
		if fatal != nil {
			t.Fatalf("fatal error on in-memory input: %v", fatal)
		}
		compareEncodingJSON(t, in, recs)
	})
}

// compareEncodingJSON checks each line's verdict and values against
// encoding/json.
func compareEncodingJSON(t *testing.T, in []byte, recs []Record) {
	in = bytes.TrimPrefix(in, []byte("\ufeff"))
	lines := bytes.Split(in, []byte("\n"))
	var nonBlank [][]byte
	for _, l := range lines {
		l = bytes.TrimSuffix(l, []byte("\r"))
		if !isBlank(l) {
			nonBlank = append(nonBlank, l)
		}
	}
	if len(nonBlank) != len(recs) {
		t.Fatalf("%d records for %d non-blank lines", len(recs), len(nonBlank))
	}
	for i, line := range nonBlank {
		rec := recs[i]
		var m map[string]json.RawMessage
		jsonOK := json.Unmarshal(line, &m) == nil && m != nil
		switch {
		case errors.Is(rec.Err, ErrDuplicateKey):
			if !jsonOK {
				t.Fatalf("line %q: duplicate key, but encoding/json rejects it", line)
			}
			continue
		case jsonOK != (rec.Err == nil):
			t.Fatalf("line %q: ours %v, encoding/json ok=%v", line, rec.Err, jsonOK)
		case !jsonOK:
			continue
		}
		if len(m) != len(rec.Fields) {
			t.Fatalf("line %q: %d fields, encoding/json %d", line, len(rec.Fields), len(m))
		}
		for _, fl := range rec.Fields {
			raw, ok := m[fl.Name]
			if !ok {
				t.Fatalf("line %q: key %q unknown to encoding/json", line, fl.Name)
			}
			var s string
			switch {
			case string(raw) == "null":
				if !fl.Null {
					t.Fatalf("line %q: %s not null", line, fl.Name)
				}
			case json.Unmarshal(raw, &s) == nil:
				if s != fl.Value {
					t.Fatalf("line %q: %s = %q, encoding/json %q", line, fl.Name, fl.Value, s)
				}
			default:
				var c bytes.Buffer
				if err := json.Compact(&c, raw); err != nil || c.String() != fl.Value {
					t.Fatalf("line %q: %s = %q, compact %q (%v)", line, fl.Name, fl.Value, c.String(), err)
				}
			}
		}
	}
}
