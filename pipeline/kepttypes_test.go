package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/internal/coltype"
	"github.com/batchprompt/batchprompt/internal/simulator"
	"github.com/batchprompt/batchprompt/readers"
)

// typesFixture is DuckDB's every type (readers/testdata/parquet/gen.mjs):
// integers of each width and sign, floats, booleans, text, binary,
// decimals up to DECIMAL(38,10), dates, timestamps of each unit and with
// a zone, time, UUID, enum, JSON, lists, structs, maps and their nestings,
// with NULLs on every fifth row. The Snappy copy: the run reads it inside
// a synctest bubble, and parquet-go pools zstd decoders process-wide, so a
// zstd one made there would break every later read outside.
const typesFixture = "../readers/testdata/parquet/types_snappy.parquet"

// TestKeepStarKeepsParquetTypes is the acceptance test: a Parquet
// input kept whole with --keep '*' reads back from the Parquet output with
// every column's type and value (NULLs included), the id column's too, from
// the JSONL output with numbers, booleans and nested values as JSON, and
// the same from an export of the state database.
func TestKeepStarKeepsParquetTypes(t *testing.T) {
	var parquetOut, exported string
	var jsonlRows [][]byte
	inBubble(t, simulator.Config{Seed: 1}, func(t *testing.T, e *memEnv) {
		job := Job{
			Input: typesFixture, Template: "Say hello to {{.s}}", Model: "gpt-4o-mini", IDColumn: "id", Keep: []string{"*"},
			Outputs: []string{filepath.Join(e.dir, "out.parquet"), filepath.Join(e.dir, "out.jsonl")},
			State:   filepath.Join(e.dir, "state.db"),
		}
		s, err := Run(context.Background(), job, e.opts())
		if err != nil || s.Stop != Completed || s.OK != 20 {
			t.Fatalf("err %v stop %v ok %d kinds %+v", err, s.Stop, s.OK, s.ErrorKinds)
		}
		exported = filepath.Join(e.dir, "export.parquet")
		if _, err := Export(context.Background(), ExportSpec{State: job.State, Outputs: []string{exported}}); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(job.Outputs[1])
		if err != nil {
			t.Fatal(err)
		}
		jsonlRows = bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
		parquetOut = job.Outputs[0]
	})
	// Parquet is read outside the bubble (parquet-go pools its decoders).
	header, inTypes, in := readRecords(t, typesFixture)
	for _, out := range []string{parquetOut, exported} {
		_, outTypes, got := readRecords(t, out)
		if len(got) != len(in) {
			t.Fatalf("%s: %d rows, want %d", out, len(got), len(in))
		}
		for _, name := range header { // the id (INTEGER) first, then every kept column
			if !reflect.DeepEqual(outTypes[name], inTypes[name]) {
				t.Errorf("%s: column %s is %s, want %s", filepath.Base(out), name, outTypes[name], inTypes[name])
				continue
			}
			for i := range in {
				a, _ := in[i].Lookup(name)
				b, _ := got[i].Lookup(name)
				if a.Null != b.Null || a.Value != b.Value {
					t.Errorf("%s row %d %s: %q (null %v), want %q (null %v)", filepath.Base(out), i, name, b.Value, b.Null, a.Value, a.Null)
				}
			}
		}
	}
	// The types the issue names, as DuckDB spells them.
	for name, want := range map[string]string{"i64": "BIGINT", "f64": "DOUBLE", "flag": "BOOLEAN", "dec10": "DECIMAL(10,2)",
		"d": "DATE", "ts": "TIMESTAMP", "tstz": "TIMESTAMPTZ", "lst": "INTEGER[]", "st": `STRUCT("a" INTEGER, "b" VARCHAR)`} {
		if got := inTypes[name].String(); got != want {
			t.Errorf("fixture column %s is %s, want %s", name, got, want)
		}
	}
	if len(jsonlRows) != len(in) {
		t.Fatalf("%d JSONL rows, want %d", len(jsonlRows), len(in))
	}
	for i, line := range jsonlRows {
		d := json.NewDecoder(bytes.NewReader(line))
		d.UseNumber()
		var row map[string]any
		if err := d.Decode(&row); err != nil {
			t.Fatal(err)
		}
		for _, f := range in[i].Fields {
			if want := jsonOf(t, f); !reflect.DeepEqual(row[f.Name], want) {
				t.Errorf("JSONL row %d %s = %#v, want %#v", i, f.Name, row[f.Name], want)
			}
		}
	}
}

// TestKeptJSONLValuesKeepTheirTypes: a JSONL input's kept values come out
// of a JSONL output as the input wrote them (1 stays 1, 1.50 stays 1.50)
// and in a Parquet output as the type all of a column's values agree on.
func TestKeptJSONLValuesKeepTheirTypes(t *testing.T) {
	const input = `{"id":"a","text":"x","n":1,"price":1.50,"ok":true,"tags":["p","q"],"meta":{"k":1},"mixed":1,"note":null}
{"id":"b","text":"y","n":-7,"price":2,"ok":false,"tags":[],"meta":{"k":2},"mixed":"two"}
`
	var parquetOut string
	inBubble(t, simulator.Config{Seed: 1}, func(t *testing.T, e *memEnv) {
		path := filepath.Join(e.dir, "in.jsonl")
		if err := os.WriteFile(path, []byte(input), 0o644); err != nil {
			t.Fatal(err)
		}
		job := Job{
			Input: path, Template: "{{.text}}", Model: "gpt-4o-mini", IDColumn: "id", Keep: []string{"*"},
			Outputs: []string{filepath.Join(e.dir, "out.jsonl"), filepath.Join(e.dir, "out.parquet")},
			State:   filepath.Join(e.dir, "state.db"),
		}
		if s, err := Run(context.Background(), job, e.opts()); err != nil || s.OK != 2 {
			t.Fatalf("err %v ok %d", err, s.OK)
		}
		data, err := os.ReadFile(job.Outputs[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"id":"a","text":"x","n":1,"price":1.50,"ok":true,"tags":["p","q"],"meta":{"k":1},"mixed":1,"note":null,`,
			`"id":"b","text":"y","n":-7,"price":2,"ok":false,"tags":[],"meta":{"k":2},"mixed":"two","note":null,`} {
			if !strings.Contains(string(data), want) {
				t.Errorf("JSONL output lacks %s:\n%s", want, data)
			}
		}
		parquetOut = job.Outputs[1]
	})
	_, types, rows := readRecords(t, parquetOut)
	for name, want := range map[string]string{"text": "VARCHAR", "n": "BIGINT", "price": "DOUBLE", "ok": "BOOLEAN",
		"tags": "JSON", "meta": "JSON", "mixed": "VARCHAR", "note": "VARCHAR"} {
		if got := types[name].String(); got != want {
			t.Errorf("Parquet column %s is %s, want %s", name, got, want)
		}
	}
	for name, want := range map[string]string{"n": "1", "price": "1.5", "tags": `["p","q"]`, "mixed": "1"} {
		if f, _ := rows[0].Lookup(name); f.Value != want {
			t.Errorf("Parquet row a %s = %q, want %q", name, f.Value, want)
		}
	}
}

// jsonOf is how a JSONL output writes field f: text as a string, numbers
// exactly as the input printed them, booleans, and nested values as JSON.
func jsonOf(t *testing.T, f readers.Field) any {
	t.Helper()
	if f.Null {
		return nil
	}
	if f.Kind == readers.KindText {
		return f.Value
	}
	d := json.NewDecoder(strings.NewReader(f.Value))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("%s: %q is not JSON: %v", f.Name, f.Value, err)
	}
	return v
}

func readRecords(t *testing.T, path string) ([]string, map[string]coltype.Type, []readers.Record) {
	t.Helper()
	r, err := readers.Open(path, readers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var recs []readers.Record
	for {
		rec, err := r.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	return r.(readers.HeaderReader).Header(), readers.TypesOf(r), recs
}
