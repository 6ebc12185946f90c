package budget

import "testing"

func TestIsReasoningModel(t *testing.T) {
	for _, tc := range []struct {
		model string
		want  bool
	}{
		{"o1", true}, {"o3-mini", true}, {"o4-mini-2025-04-16", true}, {"gpt-5", true},
		{"gpt-5-mini", true}, {"gpt-5.1", true}, {"GPT-5-nano", true},
		{"ft:o3:org::id", true}, {"ft:gpt-4o-mini:org::id", false}, {"openai/gpt-5", true},
		{"gpt-4o", false}, {"gpt-4.1-mini", false}, {"o10", false}, {"gpt-50", false},
		{"omni", false}, {"", false},
	} {
		if got := IsReasoningModel(tc.model); got != tc.want {
			t.Errorf("IsReasoningModel(%q) = %v, want %v", tc.model, got, tc.want)
		}
	}
}

func TestMaxOutput(t *testing.T) {
	p := DefaultPrices()
	if n, known := p.MaxOutput("gpt-4o-mini"); !known || n <= 0 {
		t.Errorf("gpt-4o-mini: %d, %v; want the table's cap", n, known)
	}
	if n, known := p.MaxOutput("my-local-model"); known || n != FallbackMaxOutput {
		t.Errorf("unknown model: %d, %v; want %d, false", n, known, FallbackMaxOutput)
	}
}
