package budget

import (
	"bufio"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

type tokenGolden struct {
	line                  int
	text                  string
	o200k, cl100k         int
	chatUser, chatWithSys int
}

// readGoldens parses testdata/token-goldens.tsv, computed with OpenAI's
// own tiktoken, so the counter is checked against an outside oracle.
func readGoldens(t *testing.T) []tokenGolden {
	t.Helper()
	f, err := os.Open("testdata/token-goldens.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []tokenGolden
	sc := bufio.NewScanner(f)
	line, header := 0, false
	for sc.Scan() {
		line++
		s := sc.Text()
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if !header {
			header = true
			continue
		}
		cols := strings.Split(s, "\t")
		if len(cols) != 5 {
			t.Fatalf("goldens line %d: %d columns, want 5", line, len(cols))
		}
		g := tokenGolden{line: line}
		if err := json.Unmarshal([]byte(cols[0]), &g.text); err != nil {
			t.Fatalf("goldens line %d: text: %v", line, err)
		}
		for i, dst := range []*int{&g.o200k, &g.cl100k, &g.chatUser, &g.chatWithSys} {
			n, err := strconv.Atoi(cols[i+1])
			if err != nil {
				t.Fatalf("goldens line %d column %d: %v", line, i+2, err)
			}
			*dst = n
		}
		out = append(out, g)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 20 {
		t.Fatalf("parsed %d golden rows, want at least 20", len(out))
	}
	return out
}

func TestCountGoldens(t *testing.T) {
	c := NewCounter()
	for _, g := range readGoldens(t) {
		if got := c.Count("gpt-4o-mini", g.text); got != g.o200k {
			t.Errorf("line %d %q: o200k = %d, want %d", g.line, g.text, got, g.o200k)
		}
		if got := c.Count("gpt-4", g.text); got != g.cl100k {
			t.Errorf("line %d %q: cl100k = %d, want %d", g.line, g.text, got, g.cl100k)
		}
		user := []Message{{Role: "user", Content: g.text}}
		if got := c.Chat("gpt-4o", user); got != g.chatUser {
			t.Errorf("line %d %q: chat user-only = %d, want %d", g.line, g.text, got, g.chatUser)
		}
		withSys := []Message{{Role: "system", Content: "You are a helpful assistant."}, {Role: "user", Content: g.text}}
		if got := c.Chat("gpt-4o", withSys); got != g.chatWithSys {
			t.Errorf("line %d %q: chat with system = %d, want %d", g.line, g.text, got, g.chatWithSys)
		}
	}
}

func TestCountSpecialTokenIsPlainText(t *testing.T) {
	c := NewCounter()
	if got := c.Count("gpt-4o", "<|endoftext|> is plain text here"); got != 11 {
		t.Fatalf("got %d, want 11", got)
	}
}

func TestCountInvalidUTF8(t *testing.T) {
	c := NewCounter()
	// Invalid bytes are counted as the U+FFFD JSON encoding would send.
	got := c.Count("gpt-4o", "a\xffb")
	want := c.Count("gpt-4o", "a\uFFFDb")
	if got != want {
		t.Fatalf("invalid UTF-8: got %d, want %d", got, want)
	}
}

func TestChatName(t *testing.T) {
	c := NewCounter()
	plain := c.Chat("gpt-4o", []Message{{Role: "user", Content: "hello world"}})
	named := c.Chat("gpt-4o", []Message{{Role: "user", Content: "hello world", Name: "alice"}})
	if want := plain + c.Count("gpt-4o", "alice") + 1; named != want {
		t.Fatalf("named message = %d, want %d", named, want)
	}
	if got := c.Chat("gpt-4o", nil); got != 3 {
		t.Fatalf("no messages = %d, want 3", got)
	}
}

func TestEncodingForModel(t *testing.T) {
	tests := []struct{ model, want string }{
		{"gpt-4o", EncodingO200k},
		{"gpt-4o-mini", EncodingO200k},
		{"gpt-4o-mini-2024-07-18", EncodingO200k},
		{"ft:gpt-4o-mini:org::id", EncodingO200k},
		{"ft:gpt-4o-mini-2024-07-18:my-org:custom:abc123", EncodingO200k},
		{"GPT-4o", EncodingO200k},
		{"gpt-4.1", EncodingO200k},
		{"gpt-4.1-nano-2025-04-14", EncodingO200k},
		{"gpt-5", EncodingO200k},
		{"gpt-5.1", EncodingO200k},
		{"gpt-5-nano", EncodingO200k},
		{"o1", EncodingO200k},
		{"o1-mini", EncodingO200k},
		{"o3-mini-2025-01-31", EncodingO200k},
		{"o4-mini", EncodingO200k},
		{"chatgpt-4o-latest", EncodingO200k},
		{"gpt-4", EncodingCl100k},
		{"gpt-4-0613", EncodingCl100k},
		{"gpt-4-turbo", EncodingCl100k},
		{"gpt-4-turbo-2024-04-09", EncodingCl100k},
		{"ft:gpt-4-0613:org::x", EncodingCl100k},
		{"gpt-3.5-turbo", EncodingCl100k},
		{"gpt-3.5-turbo-0125", EncodingCl100k},
		{"ft:gpt-3.5-turbo:org::id", EncodingCl100k},
		{"gpt-35-turbo", EncodingCl100k},
		{"text-embedding-3-small", EncodingCl100k},
		{"text-embedding-3-large", EncodingCl100k},
		{"text-embedding-ada-002", EncodingCl100k},
		{"some-future-model", EncodingO200k},
		{"", EncodingO200k},
		{"ft:", EncodingO200k},
	}
	for _, tt := range tests {
		if got := EncodingForModel(tt.model); got != tt.want {
			t.Errorf("EncodingForModel(%q) = %q, want %q", tt.model, got, tt.want)
		}
	}
}

func TestTPMCharge(t *testing.T) {
	tests := []struct{ prompt, maxOut, want int64 }{
		{100, 50, 150},
		{0, 0, 0},
		{100, 0, 100},
		{-5, 10, 10},
		{10, -5, 10},
	}
	for _, tt := range tests {
		if got := TPMCharge(tt.prompt, tt.maxOut); got != tt.want {
			t.Errorf("TPMCharge(%d, %d) = %d, want %d", tt.prompt, tt.maxOut, got, tt.want)
		}
	}
}

// TestCounterConcurrent exercises lazy initialisation from many goroutines
// at once; run with -race.
func TestCounterConcurrent(t *testing.T) {
	c := NewCounter()
	var wg sync.WaitGroup
	got := make([]int, 16)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			model := "gpt-4o"
			if i%2 == 1 {
				model = "gpt-4"
			}
			got[i] = c.Count(model, "The quick brown fox jumps over the lazy dog.")
		}()
	}
	wg.Wait()
	for i, n := range got {
		if n != 10 {
			t.Errorf("goroutine %d: got %d, want 10", i, n)
		}
	}
}
