package jobstate

import (
	"encoding/json"
	"testing"

	"github.com/batchprompt/batchprompt/writers"
)

func TestKeptValue(t *testing.T) {
	for _, tc := range []struct {
		stored string
		want   writers.Value
	}{
		{`"plain text"`, writers.Value{Text: "plain text"}},
		{`""`, writers.Value{Text: ""}},
		{`"say \"hi\""`, writers.Value{Text: `say "hi"`}},
		{`"caf\u00e9 \u003c3"`, writers.Value{Text: "café <3"}},
		{`"été"`, writers.Value{Text: "été"}},
		{`null`, writers.Value{Null: true}},
		{``, writers.Value{Null: true}},
		{`1.50`, writers.Value{Text: "1.50", JSON: true}},
		{`[1,{"a":null}]`, writers.Value{Text: `[1,{"a":null}]`, JSON: true}},
	} {
		if got := keptValue(json.RawMessage(tc.stored)); got != tc.want {
			t.Errorf("keptValue(%s) = %+v, want %+v", tc.stored, got, tc.want)
		}
	}
}
