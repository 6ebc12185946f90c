package embed

import "testing"

func TestModelFacts(t *testing.T) {
	tests := []struct {
		model    string
		dims     int
		dimsOKay bool
	}{
		{"text-embedding-3-small", 1536, true},
		{"Text-Embedding-3-Large", 3072, true},
		{"text-embedding-ada-002", 1536, false},
		{" text-embedding-ada-002 ", 1536, false},
		{"nomic-embed-text", 0, true},
	}
	for _, tc := range tests {
		if got := DefaultDimensions(tc.model); got != tc.dims {
			t.Errorf("DefaultDimensions(%q) = %d, want %d", tc.model, got, tc.dims)
		}
		if got := SupportsDimensions(tc.model); got != tc.dimsOKay {
			t.Errorf("SupportsDimensions(%q) = %v, want %v", tc.model, got, tc.dimsOKay)
		}
	}
}
