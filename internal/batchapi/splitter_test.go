package batchapi

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

// Files are cut before the line that would cross any limit, and each
// holds whole, valid lines.
func TestSplitterLimits(t *testing.T) {
	line, err := Line("row-1", []byte(`{"model":"m","messages":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	size := int64(len(line))
	tests := []struct {
		name  string
		lim   Limits
		lines int
		want  []int // lines per file
	}{
		{"requests", Limits{MaxRequests: 4}, 10, []int{4, 4, 2}},
		{"bytes", Limits{MaxBytes: 3 * size}, 7, []int{3, 3, 1}},
		{"bytes just over", Limits{MaxBytes: 3*size - 1}, 4, []int{2, 2}},
		{"tokens", Limits{MaxTokens: 25}, 6, []int{2, 2, 2}}, // 10 tokens a line
		{"one file", Limits{}, 5, []int{5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := NewSplitter(dir, func(i int) string { return fmt.Sprintf("f%d.jsonl", i) }, tc.lim)
			for range tc.lines {
				if err := s.Write(line, 10); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, f := range s.Files() {
				got = append(got, countLines(t, f.Path))
				if f.Bytes != int64(f.Lines)*size || f.Tokens != int64(f.Lines)*10 {
					t.Errorf("%s: %d lines, %d bytes, %d tokens", f.Path, f.Lines, f.Bytes, f.Tokens)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("lines per file %v, want %v", got, tc.want)
			}
		})
	}
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); n++ {
		var l struct {
			CustomID string `json:"custom_id"`
			Method   string `json:"method"`
			URL      string `json:"url"`
			Body     json.RawMessage
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.CustomID != "row-1" || l.Method != "POST" || l.URL != ChatURL {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
	}
	return n
}
