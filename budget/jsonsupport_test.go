package budget

import "testing"

func TestResponseFormatSupport(t *testing.T) {
	for _, tc := range []struct {
		model string
		want  JSONSupport
	}{
		{"gpt-4o-mini", JSONSchema},
		{"gpt-4o-mini-2024-07-18", JSONSchema},
		{"gpt-4o", JSONSchema},
		{"gpt-4o-2024-08-06", JSONSchema},
		{"gpt-4o-2024-05-13", JSONObject},
		{"gpt-4.1-nano", JSONSchema},
		{"o1", JSONSchema},
		{"o1-2024-12-17", JSONSchema},
		{"o1-mini", JSONNone},
		{"o1-preview-2024-09-12", JSONNone},
		{"o3-mini", JSONSchema},
		{"o4-mini", JSONSchema},
		{"gpt-5", JSONSchema},
		{"gpt-5.1", JSONSchema},
		{"gpt-4-turbo", JSONObject},
		{"gpt-4-turbo-2024-04-09", JSONObject},
		{"gpt-4-1106-preview", JSONObject},
		{"gpt-3.5-turbo", JSONObject},
		{"gpt-3.5-turbo-0125", JSONObject},
		{"gpt-3.5-turbo-0613", JSONNone},
		{"gpt-4", JSONNone},
		{"gpt-4-0613", JSONNone},
		{"ft:gpt-4o-mini-2024-07-18:org::abc", JSONSchema},
		{"openai/gpt-4o", JSONSchema},
		{"llama-3.1-8b-instruct", JSONUnknown},
		{"gpt-50", JSONUnknown},
	} {
		if got := ResponseFormatSupport(tc.model); got != tc.want {
			t.Errorf("ResponseFormatSupport(%q) = %d, want %d", tc.model, got, tc.want)
		}
	}
}
