package simulator

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/jsonschema"
)

func TestSchemaFaultKinds(t *testing.T) {
	tests := []struct {
		name   string
		faults SchemaFaults
		format string // "" for the review schema
		check  func(t *testing.T, raw string, content, refusal, finish string)
	}{
		{"invalid JSON", SchemaFaults{InvalidJSON: 1}, "", func(t *testing.T, raw, content, refusal, finish string) {
			err := jsonschema.Validate([]byte(reviewSchema), []byte(content))
			if !strings.HasSuffix(content, ",}") || err == nil || !strings.HasPrefix(err.Error(), "answer is not valid JSON") || finish != "stop" {
				t.Errorf("%q %s: %v", content, finish, err)
			}
		}},
		{"violation", SchemaFaults{Violation: 1}, "", func(t *testing.T, raw, content, refusal, finish string) {
			err := jsonschema.Validate([]byte(reviewSchema), []byte(content))
			if err == nil || err.Error() != "answer does not match the schema: $.sim_unexpected: unexpected property: the schema does not allow it (additionalProperties is false)" {
				t.Errorf("%q: %v", content, err)
			}
		}},
		{"violation, json_object", SchemaFaults{Violation: 1}, `{"type":"json_object"}`, func(t *testing.T, raw, content, refusal, finish string) {
			var list []any
			if err := json.Unmarshal([]byte(content), &list); err != nil {
				t.Errorf("want a JSON array, got %q", content)
			}
		}},
		{"refusal", SchemaFaults{Refusal: 1}, "", func(t *testing.T, raw, content, refusal, finish string) {
			if !strings.Contains(raw, `"content":null`) || refusal != RefusalText || finish != "stop" {
				t.Errorf("raw %s", raw)
			}
		}},
		{"cut off", SchemaFaults{CutOff: 1}, "", func(t *testing.T, raw, content, refusal, finish string) {
			if finish != "length" || json.Valid([]byte(content)) || !strings.HasPrefix(content, `{"product"`) {
				t.Errorf("%q %s", content, finish)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Config{Sleep: noSleep, Schema: tt.faults})
			body := schemaBody("Great kettle.", "gpt-4o-mini", "")
			if tt.format != "" {
				body = simpleBody("Great kettle.", `"response_format":`+tt.format)
			}
			w := post(t, s, chatPath, body)
			if w.Code != 200 {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			r := decodeOK(t, w.Body.Bytes())
			m := r.Choices[0].Message
			tt.check(t, w.Body.String(), m.Content, m.Refusal, string(r.Choices[0].FinishReason))
			shown := m.Content + m.Refusal
			if got := budget.NewCounter().Count("gpt-4o-mini", shown); r.Usage.CompletionTokens != got {
				t.Errorf("completion_tokens %d, the text counts %d", r.Usage.CompletionTokens, got)
			}
		})
	}
}

// TestSchemaFaultsRetry sends the same request until it succeeds: each
// attempt gets the fault Kind predicts, and a later attempt succeeds.
func TestSchemaFaultsRetry(t *testing.T) {
	faults := SchemaFaults{InvalidJSON: 0.2, Violation: 0.2, Refusal: 0.2, CutOff: 0.2}
	s := New(Config{Sleep: noSleep, Schema: faults, Seed: 7})
	body := schemaBody("Retry me.", "gpt-4o-mini", "")
	hash, err := RequestHash([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for attempt := int64(1); attempt <= 20; attempt++ {
		want := faults.Kind(hash, attempt, 7, 0)
		kinds = append(kinds, want)
		r := decodeOK(t, post(t, s, chatPath, body).Body.Bytes())
		err := jsonschema.Validate([]byte(reviewSchema), []byte(r.Choices[0].Message.Content))
		switch want {
		case SchemaFaultNone:
			if err != nil {
				t.Fatalf("attempt %d: no fault predicted, but %v", attempt, err)
			}
			if attempt == 1 {
				t.Fatalf("pick another body: the first attempt already succeeds, so no retry is tested")
			}
			return
		case SchemaFaultRefusal:
			if r.Choices[0].Message.Refusal == "" {
				t.Errorf("attempt %d: refusal predicted, got %+v", attempt, r.Choices[0].Message)
			}
		default:
			if err == nil {
				t.Errorf("attempt %d: %s predicted, but the answer is valid", attempt, want)
			}
		}
	}
	t.Fatalf("20 attempts all faulted: %v", kinds)
}

func TestSchemaFaultShares(t *testing.T) {
	f := SchemaFaults{InvalidJSON: 0.1, Violation: 0.2, Refusal: 0.05, CutOff: 0.15}
	counts := map[string]int{}
	const n = 4000
	for i := range n {
		counts[f.Kind(fmt.Sprintf("%064x", i), 1, 1, 0)]++
	}
	for kind, p := range map[string]float64{SchemaFaultInvalidJSON: 0.1, SchemaFaultViolation: 0.2,
		SchemaFaultRefusal: 0.05, SchemaFaultCutOff: 0.15, SchemaFaultNone: 0.5} {
		if got := float64(counts[kind]) / n; got < p-0.03 || got > p+0.03 {
			t.Errorf("%q: share %.3f, want about %.2f", kind, got, p)
		}
	}
}

func TestSchemaFaultsSpareTextRequests(t *testing.T) {
	s := New(Config{Sleep: noSleep, Schema: SchemaFaults{InvalidJSON: 1, Refusal: 1}})
	r := decodeOK(t, post(t, s, chatPath, simpleBody("plain", "")).Body.Bytes())
	if !strings.HasPrefix(r.Choices[0].Message.Content, "Simulated answer to: plain") || r.Choices[0].Message.Refusal != "" {
		t.Errorf("%+v", r.Choices[0].Message)
	}
}
