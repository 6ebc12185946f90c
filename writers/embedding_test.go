package writers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/batchprompt/batchprompt/internal/embed"
)

func embeddingRows() []Row {
	cost := 0.00002
	return []Row{
		{ID: "0", Kept: []Value{{Text: "a"}}, Output: embed.EncodeVector([]float32{0.6, -0.8, 0}), PromptTokens: 3, CostUSD: &cost, Attempts: 1},
		{ID: "1", Kept: []Value{{Null: true}}, Error: "in.csv:3: too long", Attempts: 0},
		{ID: "2", Kept: []Value{{Text: "c"}}, Output: embed.EncodeVector([]float32{1, 0, 0}), FinishReason: "truncated", PromptTokens: 8192, Attempts: 2},
	}
}

func TestEmbeddingParquet(t *testing.T) {
	s := Schema{RowNumberID: true, Keep: []string{"lang"}, Embedding: true}
	data := writeAll(t, "parquet", s, embeddingRows())
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fld := range f.Schema().Fields() {
		names = append(names, fld.Name())
	}
	if got := strings.Join(names, ","); got != "row,lang,embedding,truncated,prompt_tokens,cost_usd,attempts,error" {
		t.Fatalf("columns %s", got)
	}
	type out struct {
		Row       int64     `parquet:"row"`
		Lang      *string   `parquet:"lang,optional"`
		Embedding []float32 `parquet:"embedding,optional,list"`
		Truncated *bool     `parquet:"truncated,optional"`
		Prompt    int64     `parquet:"prompt_tokens"`
		Cost      *float64  `parquet:"cost_usd,optional"`
		Attempts  int64     `parquet:"attempts"`
		Error     *string   `parquet:"error,optional"`
	}
	r := parquet.NewGenericReader[out](bytes.NewReader(data))
	got := make([]out, 4)
	n, err := r.Read(got)
	if err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("%d rows, want 3", n)
	}
	if !slices.Equal(got[0].Embedding, []float32{0.6, -0.8, 0}) || got[0].Error != nil || *got[0].Cost != 0.00002 || *got[0].Truncated {
		t.Errorf("row 0: %+v", got[0])
	}
	if got[1].Embedding != nil || got[1].Error == nil || *got[1].Error != "in.csv:3: too long" || got[1].Lang != nil {
		t.Errorf("row 1 (failed): %+v", got[1])
	}
	if !slices.Equal(got[2].Embedding, []float32{1, 0, 0}) || !*got[2].Truncated || got[2].Prompt != 8192 || got[2].Cost != nil {
		t.Errorf("row 2 (truncated): %+v", got[2])
	}
	if lt := f.Schema().Fields()[2].Type().LogicalType(); lt == nil || lt.String() != "LIST" {
		t.Errorf("embedding's logical type is %v, want LIST", lt)
	}
}

func TestEmbeddingJSONL(t *testing.T) {
	data := writeAll(t, "jsonl", Schema{IDColumn: "id", Keep: []string{"lang"}, Embedding: true}, embeddingRows())
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	want := []string{
		`{"id":"0","lang":"a","embedding":[0.6,-0.8,0],"truncated":false,"prompt_tokens":3,"cost_usd":0.00002,"attempts":1,"error":null}`,
		`{"id":"1","lang":null,"embedding":null,"truncated":false,"prompt_tokens":0,"cost_usd":null,"attempts":0,"error":"in.csv:3: too long"}`,
		`{"id":"2","lang":"c","embedding":[1,0,0],"truncated":true,"prompt_tokens":8192,"cost_usd":null,"attempts":2,"error":null}`,
	}
	if !slices.Equal(lines, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Errorf("invalid JSON: %s", l)
		}
	}
}

func TestEmbeddingRefusesCSV(t *testing.T) {
	for _, f := range []string{"csv", "tsv"} {
		if _, err := New(f, io.Discard, Schema{Embedding: true}); err == nil || !strings.Contains(err.Error(), ".parquet") {
			t.Errorf("New(%s) = %v, want a refusal naming .parquet", f, err)
		}
	}
}

// Vectors count toward the row group's byte cap, so large vectors do not
// make huge row groups held in memory.
func TestEmbeddingRowGroupsCappedByBytes(t *testing.T) {
	var buf bytes.Buffer
	w, err := New("parquet", &buf, Schema{Embedding: true})
	if err != nil {
		t.Fatal(err)
	}
	w.(*parquetWriter).maxGroupBytes = 10 * parquetBatch * 400 // ten batches of 100-float vectors
	vec := embed.EncodeVector(make([]float32, 100))
	const n = 25 * parquetBatch
	for i := range n {
		if err := w.Write(Row{ID: fmt.Sprint(i), Output: vec}); err != nil {
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
	if got := len(f.RowGroups()); got != 3 || f.NumRows() != n {
		t.Errorf("%d row groups, %d rows; want 3, %d", got, f.NumRows(), n)
	}
}
