package budget

import "strings"

// JSONSupport says how far a model honours the response_format parameter.
type JSONSupport int

// The levels of support, from OpenAI's model pages (2025). Names not
// listed (other servers' models, models newer than the table) are
// JSONUnknown: the server decides.
const (
	JSONUnknown JSONSupport = iota
	// JSONNone: no response_format at all (gpt-4, gpt-3.5-turbo-0613,
	// o1-mini, o1-preview).
	JSONNone
	// JSONObject: JSON mode ({"type": "json_object"}) but not structured
	// outputs (gpt-4-turbo, gpt-3.5-turbo-1106 and later,
	// gpt-4o-2024-05-13).
	JSONObject
	// JSONSchema: structured outputs with a strict JSON Schema, and JSON
	// mode (gpt-4o-mini, gpt-4o from 2024-08-06, gpt-4.1, gpt-4.5, o1,
	// o3, o4-mini, gpt-5).
	JSONSchema
)

// ResponseFormatSupport returns how far model supports response_format.
// Fine-tuned ("ft:gpt-4o-mini:org::id") and provider-prefixed
// ("openai/gpt-4o") names resolve to their base model.
func ResponseFormatSupport(model string) JSONSupport {
	m := baseModelName(model)
	if i := strings.LastIndex(m, "/"); i >= 0 {
		m = m[i+1:]
	}
	family := func(p string) bool { return m == p || strings.HasPrefix(m, p+"-") }
	switch {
	case family("o1-mini"), family("o1-preview"),
		m == "gpt-4", family("gpt-4-0613"), family("gpt-4-0314"), family("gpt-4-32k"),
		family("gpt-3.5-turbo-0613"), family("gpt-3.5-turbo-0301"), family("gpt-3.5-turbo-16k"),
		family("gpt-3.5-turbo-instruct"):
		return JSONNone
	case family("gpt-4o-2024-05-13"), family("gpt-4-turbo"), family("gpt-4-1106"), family("gpt-4-0125"),
		family("gpt-3.5-turbo"):
		return JSONObject
	case family("gpt-4o"), family("gpt-4.1"), family("gpt-4.5"),
		family("o1"), family("o3"), family("o4-mini"), family("gpt-5") || strings.HasPrefix(m, "gpt-5."):
		return JSONSchema
	}
	return JSONUnknown
}
