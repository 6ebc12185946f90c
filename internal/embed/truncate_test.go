package embed

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/batchprompt/batchprompt/budget"
)

func TestTruncate(t *testing.T) {
	const model = "text-embedding-3-small"
	counter := budget.NewCounter()
	tr := NewTruncator(model)
	prose := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 2000) // ~20k tokens
	cjk := strings.Repeat("日本語のテキストを埋め込みます。", 3000)                                // multi-byte tokens
	emoji := strings.Repeat("🙂👍🏽", 5000)                                           // 4-byte runes split across tokens
	tests := []struct {
		name  string
		text  string
		limit int
		cut   bool
	}{
		{"short text unchanged", "hello world", 0, false},
		{"exactly at the limit unchanged", "hello world", 2, false},
		{"one over the limit", "hello world", 1, true},
		{"prose at the default limit", prose, 0, true},
		{"prose at a small limit", prose, 100, true},
		{"CJK", cjk, 1000, true},
		{"emoji split inside runes", emoji, 777, true},
		{"invalid UTF-8 counted as the API sees it", "ab\xffcd" + prose, 50, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tr.Truncate(tc.text, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			limit := tc.limit
			if limit == 0 {
				limit = MaxTokensPerInput
			}
			if got.Cut != tc.cut {
				t.Fatalf("Cut = %v, want %v", got.Cut, tc.cut)
			}
			if want := counter.Count(model, tc.text); got.Original != want {
				t.Errorf("Original = %d, budget.Counter says %d", got.Original, want)
			}
			if want := counter.Count(model, got.Text); got.Tokens != want || got.Tokens > limit {
				t.Errorf("Tokens = %d, budget.Counter says %d, limit %d", got.Tokens, want, limit)
			}
			if !tc.cut {
				if got.Text != tc.text {
					t.Errorf("uncut text changed")
				}
				return
			}
			if !utf8.ValidString(got.Text) {
				t.Errorf("cut text is not valid UTF-8: %q", got.Text[max(0, len(got.Text)-8):])
			}
			clean := strings.ToValidUTF8(tc.text, "\uFFFD")
			if !strings.HasPrefix(clean, got.Text) || len(got.Text) == 0 {
				t.Errorf("cut text is not a non-empty prefix of the input")
			}
			// Longest prefix: one more token would not fit, so the cut
			// leaves at most a token or two of room (re-encoding the end
			// can merge pieces).
			if got.Tokens < limit-2 {
				t.Errorf("cut to %d tokens, limit %d: too short", got.Tokens, limit)
			}
		})
	}
}

func TestTruncateRefusesNegativeLimit(t *testing.T) {
	if _, err := NewTruncator("text-embedding-3-small").Truncate("x", -1); err == nil {
		t.Error("negative limit accepted")
	}
}

func TestTrimPartialRune(t *testing.T) {
	smile := "🙂" // 4 bytes
	tests := []struct{ in, want string }{
		{"", ""},
		{"abc", "abc"},
		{"a" + smile, "a" + smile},
		{"a" + smile[:1], "a"},
		{"a" + smile[:3], "a"},
		{"a\uFFFD", "a\uFFFD"}, // a real replacement character stays
	}
	for _, tc := range tests {
		if got := trimPartialRune(tc.in); got != tc.want {
			t.Errorf("trimPartialRune(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
