package request

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/batchprompt/batchprompt/readers"
)

func TestExpandKeep(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(csvPath, []byte("id,text,lang,score\n1,hi,en,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	jsonlPath := filepath.Join(dir, "in.jsonl")
	if err := os.WriteFile(jsonlPath, []byte(`{"id":1,"text":"a"}`+"\n"+`{"id":2,"text":"b","extra":true}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, id string
		keep, want     []string
	}{
		{"no star reads nothing", csvPath, "id", []string{"lang"}, []string{"lang"}},
		{"star keeps every column but the id", csvPath, "id", []string{"*"}, []string{"text", "lang", "score"}},
		{"star without an id keeps the id too", csvPath, "", []string{"*"}, []string{"id", "text", "lang", "score"}},
		{"named columns keep their place, once", csvPath, "id", []string{"score", "*"}, []string{"score", "text", "lang"}},
		{"JSONL: keys of the sample in order first seen", jsonlPath, "id", []string{"*"}, []string{"text", "extra"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, err := readers.Open(tc.path, readers.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			in, got, err := ExpandKeep(context.Background(), in, tc.keep, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("ExpandKeep(%q) = %q, want %q", tc.keep, got, tc.want)
			}
			// Every row is still there to read.
			n := 0
			for {
				if _, err := in.Next(context.Background()); err != nil {
					break
				}
				n++
			}
			if want := map[string]int{csvPath: 1, jsonlPath: 2}[tc.path]; n != want {
				t.Fatalf("read %d rows after ExpandKeep, want %d", n, want)
			}
		})
	}
}

// A kept value its reader marked as a number but that is not JSON is
// stored as text: it must never make the row's commit fail.
func TestKeptValueNeverInvalidJSON(t *testing.T) {
	for _, f := range []readers.Field{
		{Value: "1.50", Kind: readers.KindNumber},
		{Value: "NaN", Kind: readers.KindNumber},
		{Value: "[1,", Kind: readers.KindJSON},
		{Value: `a "quoted" line`, Kind: readers.KindText},
	} {
		got := keptValue(f)
		if !json.Valid(got) {
			t.Errorf("keptValue(%q) = %s: not JSON", f.Value, got)
		}
	}
	if got := string(keptValue(readers.Field{Value: "1.50", Kind: readers.KindNumber})); got != "1.50" {
		t.Errorf("a number is kept as written: %s", got)
	}
}
