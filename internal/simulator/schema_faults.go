package simulator

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SchemaFaults are per-answer probabilities, each in [0, 1], that a reply
// to a request with a JSON response_format is broken in the way models
// break structured output. They apply only to 200 answers that were not
// cut by the output cap, after [Faults], and like them are drawn
// deterministically from the request hash, the attempt number, the choice
// and [Config.Seed] (one draw against the cumulative probabilities in field
// order), so a retry of the same request can succeed. [SchemaFaults.Kind]
// says which fault an attempt gets.
type SchemaFaults struct {
	InvalidJSON float64 // content that is not JSON: the answer with a trailing comma before its last '}'
	Violation   float64 // valid JSON that breaks the schema: an extra property "sim_unexpected" (json_object: an array)
	Refusal     float64 // content null and message.refusal set, finish_reason "stop"
	CutOff      float64 // finish_reason "length" with the answer cut in half, as when max_tokens is reached
}

// The fault names [SchemaFaults.Kind] returns.
const (
	SchemaFaultNone        = ""
	SchemaFaultInvalidJSON = "invalid_json"
	SchemaFaultViolation   = "violation"
	SchemaFaultRefusal     = "refusal"
	SchemaFaultCutOff      = "cut_off"
)

// RefusalText is the message.refusal of a refused answer.
const RefusalText = "I'm sorry, but I can't help with that request."

// Kind returns the fault that attempt number attempt (1-based) of the
// request with hash requestHash gets in choice choice, with seed
// [Config.Seed]: one of the SchemaFault* names.
func (f SchemaFaults) Kind(requestHash string, attempt, seed int64, choice int) string {
	u := unitDraw(requestHash, "schemafault|"+strconv.FormatInt(attempt, 10)+"|"+strconv.FormatInt(seed, 10)+"|"+strconv.Itoa(choice))
	acc := 0.0
	for _, k := range []struct {
		p    float64
		kind string
	}{
		{f.InvalidJSON, SchemaFaultInvalidJSON}, {f.Violation, SchemaFaultViolation},
		{f.Refusal, SchemaFaultRefusal}, {f.CutOff, SchemaFaultCutOff},
	} {
		if k.p > 0 {
			acc += k.p
		}
		if u < acc {
			return k.kind
		}
	}
	return SchemaFaultNone
}

// answerChoice is one generated choice and, when the model refused, the
// refusal that replaces its content.
type answerChoice struct {
	completion
	refusal string
}

// reply generates choice index of req's answer for attempt number
// attempt, with any schema fault applied.
func (s *Server) reply(req *chatRequest, index int, limit, attempt int64) answerChoice {
	c := answerChoice{completion: s.generate(req, index, limit)}
	if req.format == nil || c.finish != "stop" {
		return c
	}
	text := c.text
	switch s.cfg.Schema.Kind(req.hash, attempt, s.cfg.Seed, index) {
	case SchemaFaultInvalidJSON:
		if i := strings.LastIndexByte(text, '}'); i >= 0 {
			text = text[:i] + ",}"
		}
	case SchemaFaultViolation:
		switch {
		case req.format.kind == "json_object":
			text = "[" + text + "]"
		case text == "{}":
			text = `{"sim_unexpected":true}`
		default:
			text = `{"sim_unexpected":true,` + strings.TrimPrefix(text, "{")
		}
	case SchemaFaultRefusal:
		c.refusal, text = RefusalText, ""
	case SchemaFaultCutOff:
		cut := len(text) / 2
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
		c.finish = "length"
	default:
		return c
	}
	shown := text
	if c.refusal != "" {
		shown = c.refusal // a refusal is billed as output like any text
	}
	c.text, c.tokens = text, s.counter.Count(req.model, shown)+c.reasoning
	return c
}

// message returns the assistant message for c.
func (c answerChoice) message() message {
	m := message{Role: "assistant", Content: c.text, Refusal: json.RawMessage("null"), Annotations: []struct{}{}}
	if c.refusal != "" {
		m.Refusal, _ = json.Marshal(c.refusal) // a string always marshals
	}
	return m
}

// MarshalJSON writes content as null when the message is a refusal, as the
// API does; message.Content is a plain string everywhere else.
func (m message) MarshalJSON() ([]byte, error) {
	type plain message // without this method
	if len(m.Refusal) == 0 || string(m.Refusal) == "null" {
		return json.Marshal(plain(m))
	}
	return json.Marshal(struct {
		plain
		Content *string `json:"content"` // shallower, so it replaces plain's
	}{plain: plain(m)})
}
