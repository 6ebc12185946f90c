package writers

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/batchprompt/batchprompt/internal/jsonschema"
)

// answerSchema has every kind a structured column can be.
const answerSchema = `{"type":"object","additionalProperties":false,
 "required":["product","score","rating","verified","sentiment","note","tags","author","extra"],
 "properties":{"product":{"type":"string"},"score":{"type":"integer"},"rating":{"type":"number"},
  "verified":{"type":"boolean"},"sentiment":{"type":"string","enum":["positive","negative"]},
  "note":{"type":["string","null"]},"tags":{"type":"array","items":{"type":"string"}},
  "author":{"type":"object","additionalProperties":false,"required":["name","age"],
   "properties":{"name":{"type":"string"},"age":{"type":"integer"}}},
  "extra":{"anyOf":[{"type":"string"},{"type":"integer"}]}}}`

const answer1 = `{"product":"kettle","score":4,"rating":4.5,"verified":true,"sentiment":"positive","note":null,` +
	`"tags":["fast","loud"],"author":{"name":"Ann","age":41},"extra":7}`

func structuredColumns(t *testing.T) []jsonschema.Column {
	t.Helper()
	s, err := jsonschema.Parse([]byte(answerSchema))
	if err != nil {
		t.Fatal(err)
	}
	cols, err := s.Columns()
	if err != nil {
		t.Fatal(err)
	}
	return cols
}

func structuredRows() []Row {
	return []Row{
		{ID: "0", Output: answer1, Model: "m", FinishReason: "stop", Attempts: 1},
		{ID: "1", Error: "refused: no", Attempts: 2},
		{ID: "2", Output: "not json", Model: "m", FinishReason: "stop", Attempts: 1},
	}
}

func TestStructuredJSONLAndCSV(t *testing.T) {
	s := Schema{RowNumberID: true, Structured: structuredColumns(t)}
	got := string(writeAll(t, "jsonl", s, structuredRows()))
	want := `{"row":0,"output":` + string(mustQuote(answer1)) + `,"product":"kettle","score":4,"rating":4.5,"verified":true,` +
		`"sentiment":"positive","note":null,"tags":["fast","loud"],"author":{"name":"Ann","age":41},"extra":7,"finish_reason":"stop"`
	if !strings.HasPrefix(got, want) {
		t.Errorf("JSONL\n got %s\nwant %s…", got, want)
	}
	lines := strings.Split(strings.TrimSpace(got), "\n")
	for _, l := range lines[1:] {
		if !strings.Contains(l, `"product":null,"score":null`) || !json.Valid([]byte(l)) {
			t.Errorf("a failed or undecodable row has NULL structured columns: %s", l)
		}
	}
	csv := string(writeAll(t, "csv", s, structuredRows()))
	header := "row,output,product,score,rating,verified,sentiment,note,tags,author,extra,finish_reason,"
	row := `,kettle,4,4.5,true,positive,,"[""fast"",""loud""]","{""name"":""Ann"",""age"":41}",7,stop,`
	if !strings.HasPrefix(csv, header) || !strings.Contains(csv, row) {
		t.Errorf("CSV\n%s\nwant header %s and %s", csv, header, row)
	}
}

func TestStructuredParquet(t *testing.T) {
	s := Schema{RowNumberID: true, Structured: structuredColumns(t)}
	data := writeAll(t, "parquet", s, structuredRows())
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, fld := range f.Schema().Fields() {
		types[fld.Name()] = parquetTypeName(fld)
	}
	want := map[string]string{
		"product": "STRING", "score": "INT(64,true)", "rating": "DOUBLE", "verified": "BOOLEAN",
		"sentiment": "STRING", "note": "STRING", "tags": "LIST<STRING>", "author": "STRUCT<name STRING, age INT(64,true)>",
		"extra": "JSON",
	}
	for name, w := range want {
		if types[name] != w {
			t.Errorf("column %s is %s, want %s", name, types[name], w)
		}
	}
	names := f.Schema().Fields()
	if names[1].Name() != "output" || names[2].Name() != "product" || names[10].Name() != "extra" || names[11].Name() != "finish_reason" {
		t.Errorf("structured columns must follow output: %v", f.Schema())
	}
	r := parquet.NewReader(f)
	got := make([]map[string]any, 3)
	for i := range got {
		got[i] = map[string]any{}
		if err := r.Read(&got[i]); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
	first, _ := json.Marshal(got[0])
	for _, part := range []string{`"product":"kettle"`, `"score":4`, `"rating":4.5`, `"verified":true`, `"note":null`,
		`"tags":["fast","loud"]`, `"author":{"age":41,"name":"Ann"}`, `"extra":7`} {
		if !strings.Contains(string(first), part) {
			t.Errorf("row 0 lacks %s: %s", part, first)
		}
	}
	for _, row := range got[1:] {
		if row["product"] != nil || row["tags"] != nil || row["author"] != nil {
			t.Errorf("a failed or undecodable row has NULL structured columns: %v", row)
		}
	}
}

// parquetTypeName names a field's type the way the test states it.
func parquetTypeName(f parquet.Field) string {
	if lt := f.Type().LogicalType(); lt != nil && lt.Value != nil {
		switch lt.Value.(type) {
		case *format.ListType:
			return "LIST<" + parquetTypeName(f.Fields()[0].Fields()[0]) + ">"
		case *format.JsonType:
			return "JSON"
		}
		return lt.String()
	}
	if !f.Leaf() {
		parts := []string{}
		for _, sub := range f.Fields() {
			parts = append(parts, sub.Name()+" "+parquetTypeName(sub))
		}
		return "STRUCT<" + strings.Join(parts, ", ") + ">"
	}
	return strings.ToUpper(f.Type().Kind().String())
}

func mustQuote(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}

func TestStructuredNameClash(t *testing.T) {
	cols := []jsonschema.Column{{Name: "model", Kind: jsonschema.KindString}}
	_, err := New("jsonl", &bytes.Buffer{}, Schema{IDColumn: "id", Structured: cols})
	if err == nil || !strings.Contains(err.Error(), `property "model" collides with the result column`) {
		t.Errorf("err %v", err)
	}
	_, err = New("jsonl", &bytes.Buffer{}, Schema{IDColumn: "id", Keep: []string{"text"}, Structured: []jsonschema.Column{{Name: "text"}}})
	if err == nil || !strings.Contains(err.Error(), "kept column") {
		t.Errorf("err %v", err)
	}
}

// BenchmarkStructured measures writing a row whose answer is decoded into
// typed columns, against the same row without a schema.
func BenchmarkStructured(b *testing.B) {
	s, _ := jsonschema.Parse([]byte(answerSchema))
	cols, _ := s.Columns()
	for _, format := range []string{"jsonl", "parquet"} {
		for _, typed := range []bool{false, true} {
			schema := Schema{RowNumberID: true}
			name := format + "/plain"
			if typed {
				schema.Structured, name = cols, format+"/typed"
			}
			b.Run(name, func(b *testing.B) {
				w, err := New(format, io.Discard, schema)
				if err != nil {
					b.Fatal(err)
				}
				row := Row{Output: answer1, Model: "m", FinishReason: "stop", Attempts: 1}
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					row.ID = strconv.Itoa(i)
					if err := w.Write(row); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}
