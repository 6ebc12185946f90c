package budget

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultPricesTable(t *testing.T) {
	p := DefaultPrices()
	if got := len(p.Models()); got != 19 {
		t.Fatalf("table has %d models, want 19 (source %q)", got, p.Source())
	}
	tests := []Price{
		{Model: "gpt-5", Input: 1.25, CachedInput: 0.125, Output: 10, BatchInput: 0.625, BatchOutput: 5, ContextWindow: 272000, MaxOutput: 128000},
		{Model: "gpt-4o-mini", Input: 0.15, CachedInput: 0.075, Output: 0.60, BatchInput: 0.075, BatchOutput: 0.30, ContextWindow: 128000, MaxOutput: 16384},
		{Model: "gpt-4.1", Input: 2, CachedInput: 0.5, Output: 8, BatchInput: 1, BatchOutput: 4, ContextWindow: 1047576, MaxOutput: 32768},
		// No cached price listed: falls back to input. No batch: 50 %.
		{Model: "gpt-4", Input: 30, CachedInput: 30, Output: 60, BatchInput: 15, BatchOutput: 30, ContextWindow: 8192, MaxOutput: 4096},
		// Embeddings: listed zero output, unknown max output.
		{Model: "text-embedding-3-small", Input: 0.02, CachedInput: 0.02, Output: 0, BatchInput: 0.01, BatchOutput: 0, ContextWindow: 8191},
		{Model: "text-embedding-ada-002", Input: 0.10, CachedInput: 0.10, Output: 0, BatchInput: 0.05, BatchOutput: 0, ContextWindow: 8191},
	}
	for _, want := range tests {
		got, ok := p.Lookup(want.Model)
		if !ok || got != want {
			t.Errorf("Lookup(%q) = %+v, %v; want %+v", want.Model, got, ok, want)
		}
	}
}

func TestPricesSource(t *testing.T) {
	src := DefaultPrices().Source()
	for _, part := range []string{"LiteLLM", "model_prices_and_context_window.json", "00035b69f416be24e2e323c13198d9b7d2d1bdf9", "2026-11-25"} {
		if !strings.Contains(src, part) {
			t.Errorf("Source() = %q, missing %q", src, part)
		}
	}
}

func TestDefaultPricesFreshCopy(t *testing.T) {
	a, b := DefaultPrices(), DefaultPrices()
	a.prices["gpt-4o"] = Price{Model: "tampered"}
	if got, _ := b.Lookup("gpt-4o"); got.Model != "gpt-4o" {
		t.Fatalf("DefaultPrices shares state between calls: %+v", got)
	}
}

func TestLookupResolution(t *testing.T) {
	p := DefaultPrices()
	tests := []struct {
		model, want string // want "" means not found
	}{
		{"gpt-4o-mini", "gpt-4o-mini"},
		{"GPT-4o-Mini", "gpt-4o-mini"},
		{"gpt-4o-mini-2024-07-18", "gpt-4o-mini"},
		{"gpt-4o-2024-08-06", "gpt-4o"},
		{"gpt-4.1-nano-2025-04-14", "gpt-4.1-nano"},
		{"gpt-5-mini-2025-08-07", "gpt-5-mini"},
		{"o3-mini-2025-01-31", "o3-mini"},
		{"gpt-4-0613", "gpt-4"},
		{"gpt-3.5-turbo-0125", "gpt-3.5-turbo"},
		{"gpt-4-turbo-2024-04-09", "gpt-4-turbo"},
		{"gpt-4o-20240806", "gpt-4o"},
		{"ft:gpt-4o-mini:org::id", "gpt-4o-mini"},
		{"ft:gpt-4o-mini-2024-07-18:my-org:custom:abc123", "gpt-4o-mini"},
		{"ft:gpt-3.5-turbo-0125:org::x", "gpt-3.5-turbo"},
		{"gpt-5.1", "gpt-5.1"},
		{"gpt-4o-mini-0718", "gpt-4o-mini"},
		{"gpt-4o-mini-2024-7-18", ""},
		{"gpt-4o-mini-2024-07-18-2024-07-18", ""},
		// Never shortened beyond one date suffix.
		{"gpt-4o-mini-audio", ""},
		{"gpt-4o-nano", ""},
		{"gpt-4-1106-preview", ""},
		{"gpt-6", ""},
		{"", ""},
		{"ft:", ""},
		{"-2024-07-18", ""},
	}
	for _, tt := range tests {
		got, ok := p.Lookup(tt.model)
		if tt.want == "" {
			if ok {
				t.Errorf("Lookup(%q) = %q, want not found", tt.model, got.Model)
			}
			continue
		}
		if !ok || got.Model != tt.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tt.model, got.Model, ok, tt.want)
		}
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestWithOverrides(t *testing.T) {
	tests := []struct {
		name, file, content string
	}{
		{"json", "p.json", `{
			"gpt-4o-mini": {"input": 0.2, "max_output": 1000},
			"gpt-4": {"input": 40},
			"my-model": {"input": 1, "output": 2, "cached_input": 0.5, "batch_input": 0.25, "batch_output": 0.75, "context_window": 4096}
		}`},
		{"yaml", "p.yaml", "gpt-4o-mini:\n  input: 0.2\n  max_output: 1000\ngpt-4:\n  input: 40\nmy-model:\n  input: 1\n  output: 2\n  cached_input: 0.5\n  batch_input: 0.25\n  batch_output: 0.75\n  context_window: 4096\n"},
		{"yml", "p.yml", "{gpt-4o-mini: {input: 0.2, max_output: 1000}, gpt-4: {input: 40}, My-Model: {input: 1, output: 2, cached_input: 0.5, batch_input: 0.25, batch_output: 0.75, context_window: 4096}}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := DefaultPrices()
			path := writeFile(t, tt.file, tt.content)
			p, err := base.WithOverrides(path)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]Price{
				// Explicit batch and cached values stay; given fields change.
				"gpt-4o-mini": {Model: "gpt-4o-mini", Input: 0.2, CachedInput: 0.075, Output: 0.60, BatchInput: 0.075, BatchOutput: 0.30, ContextWindow: 128000, MaxOutput: 1000},
				// Fall-backs follow the new input price.
				"gpt-4":    {Model: "gpt-4", Input: 40, CachedInput: 40, Output: 60, BatchInput: 20, BatchOutput: 30, ContextWindow: 8192, MaxOutput: 4096},
				"my-model": {Model: "my-model", Input: 1, CachedInput: 0.5, Output: 2, BatchInput: 0.25, BatchOutput: 0.75, ContextWindow: 4096},
			}
			for m, w := range want {
				if got, ok := p.Lookup(m); !ok || got != w {
					t.Errorf("Lookup(%q) = %+v, %v; want %+v", m, got, ok, w)
				}
			}
			if got, _ := p.Lookup("gpt-4o-mini-2024-07-18"); got.Input != 0.2 {
				t.Errorf("dated name does not see the override: %+v", got)
			}
			if got, _ := base.Lookup("gpt-4o-mini"); got.Input != 0.15 {
				t.Errorf("base table modified: %+v", got)
			}
			if !strings.Contains(p.Source(), path) {
				t.Errorf("Source() = %q, want it to name %s", p.Source(), path)
			}
		})
	}
}

func TestWithOverridesErrors(t *testing.T) {
	tests := []struct {
		name, file, content string
		want                []string // substrings of the error
	}{
		{"unknown key json", "p.json", `{"gpt-4o": {"inptu": 1}}`, []string{"p.json", `"gpt-4o"`, `"inptu"`, "unknown key"}},
		{"unknown key yaml", "p.yaml", "gpt-4o:\n  input: 1\n  outptu: 2\n", []string{"p.yaml: line 3, column 3:", `"gpt-4o"`, `"outptu"`, "unknown key"}},
		{"negative", "p.json", `{"gpt-4o": {"input": -1}}`, []string{"p.json", `"input"`, "≥ 0"}},
		{"string value json", "p.json", `{"gpt-4o": {"input": "cheap"}}`, []string{`"gpt-4o"`, `"input"`, "want a number"}},
		{"string value yaml", "p.yaml", "gpt-4o:\n  input: cheap\n", []string{"p.yaml", "line 2, column 10", `"input"`, "want a number"}},
		{"fractional limit", "p.yaml", "gpt-4o:\n  max_output: 10.5\n", []string{`"max_output"`, "whole number"}},
		{"new model incomplete", "p.json", `{"new-model": {"input": 1}}`, []string{`"new-model"`, "input and output are required"}},
		{"not an object", "p.json", `{"gpt-4o": 3}`, []string{`"gpt-4o"`, "want an object"}},
		{"top not object", "p.json", `[1,2]`, []string{"p.json"}},
		{"null json", "p.json", `null`, []string{"want an object"}},
		{"syntax json", "p.json", "{\n  \"gpt-4o\": {\"input\": 1,}\n}", []string{"p.json", "line 2"}},
		{"syntax yaml", "p.yaml", "gpt-4o: [\n", []string{"p.yaml"}},
		{"yaml list", "p.yaml", "- a\n- b\n", []string{"want a mapping"}},
		{"yaml duplicate", "p.yaml", "gpt-4o: {input: 1}\ngpt-4o: {input: 2}\n", []string{"p.yaml", "line 2, column 1", "listed twice"}},
		{"bad extension", "p.toml", `x = 1`, []string{"p.toml", "unsupported extension"}},
		{"empty model", "p.json", `{" ": {"input": 1, "output": 1}}`, []string{"empty model name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DefaultPrices().WithOverrides(writeFile(t, tt.file, tt.content))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	if _, err := DefaultPrices().WithOverrides(filepath.Join(t.TempDir(), "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
}

func TestWithOverridesEmptyYAML(t *testing.T) {
	p, err := DefaultPrices().WithOverrides(writeFile(t, "p.yaml", ""))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Models()) != 19 {
		t.Fatalf("got %d models", len(p.Models()))
	}
}
