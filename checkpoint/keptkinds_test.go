package checkpoint

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
)

func TestKeptKinds(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	raw := func(vals ...string) []json.RawMessage {
		out := make([]json.RawMessage, len(vals))
		for i, v := range vals {
			if v != "" {
				out[i] = json.RawMessage(v)
			}
		}
		return out
	}
	a, b, c := okRow("a", 0), okRow("b", 1), okRow("c", 2)
	a.Kept = raw(`1`, `"x"`, `true`, `[1]`, ``)
	b.Kept = raw(`2.5`, `"y"`, `false`, `{"k":1}`, ``)
	c.Kept = raw(``, `3`, `null`, `[]`, `123456789012345678901`)
	must(t, db.Commit(ctx, []Row{a, b, c}))
	got, err := db.KeptKinds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]map[string]bool{
		0: {"integer": true, "real": true},
		1: {"text": true, "integer": true},
		2: {"true": true, "false": true},
		3: {"array": true, "object": true},
		4: {"real": true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("KeptKinds = %v, want %v", got, want)
	}
}
