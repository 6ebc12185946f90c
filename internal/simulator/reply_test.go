package simulator

import (
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/budget"
)

// The reply-length estimate relies on every filler word being one token.
func TestFillerWordsAreSingleTokens(t *testing.T) {
	c := budget.NewCounter()
	for _, model := range []string{"gpt-4o-mini", "gpt-4"} {
		for _, w := range strings.Fields(fillerText) {
			if n := c.Count(model, " "+w); n != 1 {
				t.Errorf("%s: %q is %d tokens", model, " "+w, n)
			}
		}
		if n := c.Count(model, "a"+strings.Repeat(" a", 99)); n != 100 {
			t.Errorf("%s: padding counts %d, want 100", model, n)
		}
	}
}

func TestReplyEchoesPromptSafely(t *testing.T) {
	s := New(Config{})
	long := strings.Repeat("x", 10000)
	req := &chatRequest{hash: "h", model: "gpt-4o-mini", lastUser: "line1\nline2\t" + long + " \x00ctrl"}
	c := s.generate(req, 0, 4096)
	if strings.ContainsAny(c.text, "\n\t\x00") || len(c.text) > 1000 {
		t.Errorf("reply %q", c.text)
	}
	if !strings.HasPrefix(c.text, "Simulated answer to: line1 line2 "+strings.Repeat("x", maxQuotedRunes)) {
		t.Errorf("reply %q", c.text)
	}
}
