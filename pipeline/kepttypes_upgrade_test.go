package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// TestKeptTypesAfterAnUpgrade resumes a job the previous release left
// half done: testdata/v4-kept-text.db holds 10 of the fixture's 20 rows
// with their kept values stored as text. The release before typed kept
// columns (fe96549) made it with `run --input types_zstd.parquet (the same
// rows as typesFixture) --template 'Say hello to {{.s}}' --id-column id
// --keep i64,dec10,d,tstz,lst,st,f64,flag --limit 10 --simulate`. The
// resumed run sends only the other 10, and the outputs give all 20 rows
// their input types: the old rows' text is read back as the column's type.
func TestKeptTypesAfterAnUpgrade(t *testing.T) {
	keep := []string{"i64", "dec10", "d", "tstz", "lst", "st", "f64", "flag"}
	fixture, err := os.ReadFile("testdata/v4-kept-text.db")
	if err != nil {
		t.Fatal(err)
	}
	var parquetOut string
	var jsonl []map[string]any
	inBubble(t, simulator.Config{Seed: 2}, func(t *testing.T, e *memEnv) {
		state := filepath.Join(e.dir, "state.db")
		if err := os.WriteFile(state, fixture, 0o644); err != nil {
			t.Fatal(err)
		}
		job := Job{
			Input: typesFixture, Template: "Say hello to {{.s}}", Model: "gpt-4o-mini", IDColumn: "id", Keep: keep,
			Outputs: []string{filepath.Join(e.dir, "out.parquet"), filepath.Join(e.dir, "out.jsonl")}, State: state,
		}
		s, err := Run(context.Background(), job, e.opts())
		if err != nil || s.Stop != Completed || s.OK != 20 || s.Reused != 10 {
			t.Fatalf("err %v stop %v ok %d reused %d", err, s.Stop, s.OK, s.Reused)
		}
		jsonl = readJSONL(t, job.Outputs[1])
		parquetOut = job.Outputs[0]
	})
	_, inTypes, in := readRecords(t, typesFixture)
	_, outTypes, got := readRecords(t, parquetOut)
	for _, name := range keep {
		if !reflect.DeepEqual(outTypes[name], inTypes[name]) {
			t.Errorf("column %s is %s, want %s", name, outTypes[name], inTypes[name])
		}
		for i := range in {
			a, _ := in[i].Lookup(name)
			b, _ := got[i].Lookup(name)
			if a.Null != b.Null || a.Value != b.Value {
				t.Errorf("row %d %s: %q, want %q", i, name, b.Value, a.Value)
			}
		}
	}
	// In JSONL the rows the old release stored as text read as the rows
	// stored since: numbers, booleans, arrays and objects.
	for _, i := range []int{1, 15} { // one old row, one new
		for name, want := range map[string]string{"i64": "float64", "dec10": "float64", "flag": "bool", "lst": "[]interface {}", "st": "map[string]interface {}", "d": "string"} {
			if got := fmt.Sprintf("%T", jsonl[i][name]); got != want {
				t.Errorf("JSONL row %d %s is %s (%v), want %s", i, name, got, jsonl[i][name], want)
			}
		}
	}
}
