package respcache

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func openTemp(t *testing.T) *Cache {
	t.Helper()
	c, err := Open(context.Background(), filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestKeyOfSeparatesHostsAndEndpoints(t *testing.T) {
	base := KeyOf("api.openai.com", "/v1/chat/completions", "ab12")
	for name, k := range map[string]Key{
		"another host":     KeyOf("127.0.0.1:8000", "/v1/chat/completions", "ab12"),
		"another endpoint": KeyOf("api.openai.com", "/v1/embeddings", "ab12"),
		"another request":  KeyOf("api.openai.com", "/v1/chat/completions", "ab13"),
	} {
		if k == base {
			t.Errorf("%s gives the same key", name)
		}
	}
	if KeyOf("api.openai.com", "/v1/chat/completions", "ab12") != base {
		t.Error("the same request gives another key")
	}
}

func TestPutGetRoundTrip(t *testing.T) {
	ctx := context.Background()
	c := openTemp(t)
	stored := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	a := Answer{Model: "gpt-4o-mini-2024", Output: "yes", FinishReason: "stop", PromptTokens: 12,
		CompletionTokens: 3, CachedTokens: 1, ReasoningTokens: 0, RequestID: "req_1", Body: []byte(`{"x":1}`), Stored: stored}
	k1, k2 := KeyOf("h", "/e", "1"), KeyOf("h", "/e", "2")
	if err := c.Put(ctx, []Entry{{k1, a}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Get(ctx, []Key{k1, k2})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d answers, want 1", len(got))
	}
	g := got[k1]
	if g.Output != a.Output || g.Model != a.Model || g.PromptTokens != 12 || g.CompletionTokens != 3 ||
		g.CachedTokens != 1 || string(g.Body) != string(a.Body) || !g.Stored.Equal(stored) || g.RequestID != "req_1" {
		t.Errorf("read back %+v, want %+v", g, a)
	}
	a.Body = nil
	if err := c.Put(ctx, []Entry{{k2, a}}); err != nil {
		t.Fatal(err)
	}
	got, _ = c.Get(ctx, []Key{k2})
	if got[k2].Body != nil {
		t.Errorf("body stored as %q, want nil", got[k2].Body)
	}
}

func TestStatsAndPrune(t *testing.T) {
	ctx := context.Background()
	c := openTemp(t)
	old := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	recent := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	must(t, c.Put(ctx, []Entry{
		{KeyOf("h", "/e", "1"), Answer{Model: "m1", Output: "aaaa", Stored: old}},
		{KeyOf("h", "/e", "2"), Answer{Model: "m1", Output: "bb", Stored: recent}},
		{KeyOf("h", "/e", "3"), Answer{Model: "m2", Output: "c", Body: []byte("12345"), Stored: recent}},
	}))
	s, err := c.Stats(ctx)
	must(t, err)
	if s.Entries != 3 || s.Bytes != 12 || !s.Oldest.Equal(old) || !s.Newest.Equal(recent) || s.Models["m1"] != 2 || s.FileBytes == 0 {
		t.Errorf("stats = %+v", s)
	}
	n, err := c.Prune(ctx, recent.Add(-30*24*time.Hour))
	must(t, err)
	if n != 1 {
		t.Errorf("pruned %d, want 1", n)
	}
	got, _ := c.Get(ctx, []Key{KeyOf("h", "/e", "1"), KeyOf("h", "/e", "2")})
	if len(got) != 1 {
		t.Errorf("after prune %d of the two remain, want 1", len(got))
	}
}

func TestOpenRefusesOtherFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	must(t, os.WriteFile(text, []byte(strings.Repeat("not a database\n", 100)), 0o644))
	if _, err := Open(ctx, text); err == nil || !strings.Contains(err.Error(), text) {
		t.Errorf("Open(text file) = %v, want an error naming it", err)
	}
	if _, err := Open(ctx, dir); err == nil {
		t.Error("Open(directory) succeeded")
	}
}

// TestWriterSharedByManyWriters has several writers (as several jobs
// would) store into one file at once through separate handles, and
// checks every answer is there.
func TestWriterSharedByManyWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cache.db")
	const handles, each = 4, 300
	var wg sync.WaitGroup
	for h := range handles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := Open(ctx, path)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			w := c.NewWriter(WriterOptions{MaxEntries: 16})
			for i := range each {
				w.Add(ctx, Entry{KeyOf("h", "/e", string(rune('a'+h))+strings.Repeat("x", i)), Answer{Model: "m", Output: "o"}})
			}
			if err := w.Close(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	c, err := Open(ctx, path)
	must(t, err)
	defer c.Close()
	s, err := c.Stats(ctx)
	must(t, err)
	if s.Entries != handles*each {
		t.Errorf("%d entries, want %d", s.Entries, handles*each)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
