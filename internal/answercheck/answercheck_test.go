package answercheck

import (
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/internal/request"
)

func TestCheck(t *testing.T) {
	schema := `{"type":"object","additionalProperties":false,"required":["tags"],
	 "properties":{"tags":{"type":"array","items":{"type":"string"}}}}`
	rf, err := request.ResponseFormat([]byte(schema), "", false)
	if err != nil {
		t.Fatal(err)
	}
	withSchema, err := New(rf)
	if err != nil {
		t.Fatal(err)
	}
	object, _ := New([]byte(`{"type":"json_object"}`))
	none, _ := New(nil)
	tests := []struct {
		name                     string
		c                        *Checker
		content, refusal, finish string
		kind, msg                string
	}{
		{"ok", withSchema, `{"tags":["a"]}`, "", "stop", "", ""},
		{"not json", withSchema, `{"tags":["a"],}`, "", "stop", KindInvalidJSON, "answer is not valid JSON"},
		{"schema", withSchema, `{"tags":["a",1]}`, "", "stop", KindSchema, "$.tags[1]"},
		{"extra property", withSchema, `{"tags":[],"x":1}`, "", "stop", KindSchema, "answer does not match the schema"},
		{"refused", withSchema, "", "I can't.", "stop", KindRefused, "refused: I can't."},
		{"cut off", withSchema, `{"tags":["a"`, "", "length", KindCutOff, "cut off at max_tokens: raise --max-tokens"},
		{"object ok", object, `{"a":1}`, "", "stop", "", ""},
		{"object: an array", object, `[1]`, "", "stop", KindInvalidJSON, "not a JSON object"},
		{"no format accepts anything", none, `not json`, "", "length", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.c.Check(tt.content, tt.refusal, tt.finish)
			if tt.kind == "" {
				if p != nil {
					t.Fatalf("refused a good answer: %v", p)
				}
				return
			}
			if p == nil || p.Kind != tt.kind || !strings.Contains(p.Msg, tt.msg) {
				t.Fatalf("got %+v, want %s containing %q", p, tt.kind, tt.msg)
			}
		})
	}
}
