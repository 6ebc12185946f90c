package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// A second job with its own state and the cache of the first answers
// every row from the cache; `cache stats` counts the answers, and prune
// deletes them by age. The cache comes from BATCHPROMPT_CACHE once, from
// --cache the other time.
func TestCacheCommandAndSecondJob(t *testing.T) {
	dir := t.TempDir()
	in, _ := writeInputs(t, dir, 20)
	cache := filepath.Join(dir, "answers.cache.db")
	// One server for both jobs: the cache key includes the server's host
	// and port, and --simulate would start each on a port of its own.
	tp := startTap(t, simulator.Config{Seed: 1})
	for i, env := range []mapEnv{{"BATCHPROMPT_CACHE": cache}, {}} {
		out := filepath.Join(dir, []string{"a", "b"}[i]+".jsonl")
		args := []string{"run", "-i", in, "-o", out, "--template", "{{.text}}", "--id-column", "id", "--base-url", tp.base + "/v1", "-q"}
		if i == 1 {
			args = append(args, "--cache", cache)
		}
		code, msg := runCLI(t, env, args...)
		if code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, code, msg)
		}
		if i == 1 {
			if !strings.Contains(msg, "0 duplicate rows and 20 cache hits were not sent") {
				t.Errorf("the summary does not say what the cache saved:\n%s", msg)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				if !strings.Contains(line, `"served_from":"cache"`) {
					t.Fatalf("second job's row not served from the cache: %s", line)
				}
			}
		}
	}
	if got := tp.requests(); got != 20 {
		t.Errorf("%d requests for the two jobs, want 20 (the first job's)", got)
	}
	code, msg := runCLI(t, mapEnv{}, "cache", "stats", cache)
	if code != 0 || !strings.Contains(msg, "entries: 20 ") {
		t.Fatalf("cache stats: exit %d: %s", code, msg)
	}
	if code, msg := runCLI(t, mapEnv{"BATCHPROMPT_CACHE": cache}, "cache", "prune", "--older-than", "30d"); code != 0 || !strings.Contains(msg, "deleted 0 answers") {
		t.Fatalf("prune 30d: exit %d: %s", code, msg)
	}
	if code, msg := runCLI(t, mapEnv{}, "cache", "prune", "--older-than", "-1h", cache); code != 2 {
		t.Fatalf("prune -1h: exit %d, want 2: %s", code, msg)
	}
	if code, msg := runCLI(t, mapEnv{}, "cache", "stats"); code != 2 || !strings.Contains(msg, "BATCHPROMPT_CACHE") {
		t.Fatalf("stats without a path: exit %d, want 2 and a hint: %s", code, msg)
	}
}

func TestParseAge(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"30d", 30 * 24 * time.Hour, true},
		{"2w", 14 * 24 * time.Hour, true},
		{"1.5d", 36 * time.Hour, true},
		{"12h", 12 * time.Hour, true},
		{"0s", 0, true},
		{"d", 0, false},
		{"-3d", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, err := parseAge(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseAge(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
