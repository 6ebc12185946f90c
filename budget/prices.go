package budget

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// pricesJSON is the default price table, copied by hand from the LiteLLM
// price map; its header records the source, commit and date.
//
//go:embed prices.json
var pricesJSON []byte

// Price is what one model costs and how much it can take, in USD per
// 1M tokens and in tokens.
type Price struct {
	// Model is the table entry the price came from: the family name when
	// a dated or fine-tuned name was looked up.
	Model string
	// Input, CachedInput and Output are standard-tier rates. CachedInput
	// equals Input when the table lists no cache discount.
	Input, CachedInput, Output float64
	// BatchInput and BatchOutput are Batch API rates, 50 % of the standard
	// rates when the table lists none.
	BatchInput, BatchOutput float64
	// ContextWindow is the input-token limit; MaxOutput the output-token
	// limit, 0 when unknown.
	ContextWindow, MaxOutput int64
}

// priceEntry is one row as stored in the table: nil means "not listed",
// which is different from a listed 0 (embeddings' output price).
type priceEntry struct {
	Input         *float64 `json:"input"`
	CachedInput   *float64 `json:"cached_input"`
	Output        *float64 `json:"output"`
	BatchInput    *float64 `json:"batch_input"`
	BatchOutput   *float64 `json:"batch_output"`
	ContextWindow *int64   `json:"context_window"`
	MaxOutput     *int64   `json:"max_output"`
}

// resolve applies the fall-back rules to a stored row.
func (e priceEntry) resolve(model string) Price {
	p := Price{Model: model}
	p.Input = deref(e.Input, 0)
	p.Output = deref(e.Output, 0)
	p.CachedInput = deref(e.CachedInput, p.Input)
	p.BatchInput = deref(e.BatchInput, p.Input/2)
	p.BatchOutput = deref(e.BatchOutput, p.Output/2)
	p.ContextWindow = deref(e.ContextWindow, 0)
	p.MaxOutput = deref(e.MaxOutput, 0)
	return p
}

func deref[T any](p *T, fallback T) T {
	if p == nil {
		return fallback
	}
	return *p
}

type priceFile struct {
	Source     string                `json:"source"`
	Repository string                `json:"repository"`
	Commit     string                `json:"commit"`
	Date       string                `json:"date"`
	Notes      []string              `json:"notes"`
	Models     map[string]priceEntry `json:"models"`
}

// Prices is a read-only price table. It is immutable once built, so it is
// safe for concurrent use; [Prices.WithOverrides] returns a new table.
type Prices struct {
	entries map[string]priceEntry // raw rows, kept so overrides merge field by field
	prices  map[string]Price      // resolved rows, keyed by lower-case model name
	source  string
}

// DefaultPrices parses the embedded table and returns a fresh copy each
// call (microseconds; callers should keep the result). The embedded file is
// checked by the package tests; should it ever fail to parse, the returned
// table is empty and its Source says why, so every lookup misses rather
// than prices silently being wrong.
func DefaultPrices() *Prices {
	p, err := parsePriceFile(pricesJSON)
	if err != nil {
		return &Prices{
			entries: map[string]priceEntry{},
			prices:  map[string]Price{},
			source:  fmt.Sprintf("no prices: embedded prices.json: %v", err),
		}
	}
	return p
}

func parsePriceFile(data []byte) (*Prices, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f priceFile
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	entries := make(map[string]priceEntry, len(f.Models))
	for name, e := range f.Models {
		if e.Input == nil || e.Output == nil {
			return nil, fmt.Errorf("model %q: input and output prices are required", name)
		}
		entries[strings.ToLower(name)] = e
	}
	src := fmt.Sprintf("%s @ %s, %s", f.Source, f.Commit, f.Date)
	return newPrices(entries, src), nil
}

func newPrices(entries map[string]priceEntry, source string) *Prices {
	resolved := make(map[string]Price, len(entries))
	for name, e := range entries {
		resolved[name] = e.resolve(name)
	}
	return &Prices{entries: entries, prices: resolved, source: source}
}

// Source names where the table came from, e.g.
// "LiteLLM model_prices_and_context_window.json @ <commit>, 2026-11-25",
// followed by any override files applied.
func (p *Prices) Source() string { return p.source }

// Models returns the table's model names, sorted.
func (p *Prices) Models() []string {
	return slices.Sorted(maps.Keys(p.prices))
}

// stripDateSuffix removes one snapshot suffix OpenAI appends to a family
// name: -2024-07-18, -20240718 or -0613. ok is false when m has none.
func stripDateSuffix(m string) (family string, ok bool) {
	for _, pattern := range [...]string{"-dddd-dd-dd", "-dddddddd", "-dddd"} {
		if len(m) <= len(pattern) {
			continue
		}
		tail := m[len(m)-len(pattern):]
		match := true
		for i := range len(pattern) {
			if pattern[i] == 'd' && (tail[i] < '0' || tail[i] > '9') || pattern[i] == '-' && tail[i] != '-' {
				match = false
				break
			}
		}
		if match {
			return m[:len(m)-len(pattern)], true
		}
	}
	return "", false
}

// Lookup returns model's price. It tries the exact name (case-insensitive),
// then resolves a fine-tuned name "ft:BASE:org::id" to BASE and strips one
// snapshot date suffix, so "gpt-4o-mini-2024-07-18" is priced as
// "gpt-4o-mini". It never shortens further: "gpt-4o-mini" is never priced
// as "gpt-4o", and an unknown name reports false. Two caveats, both fixed
// by listing the exact name in an override file: a snapshot priced
// differently from its family (e.g. gpt-4o-2024-05-13) gets the family
// price, and fine-tuned models, which OpenAI bills above their base model,
// get the base model's price.
func (p *Prices) Lookup(model string) (Price, bool) {
	m := strings.ToLower(strings.TrimSpace(model))
	if pr, ok := p.prices[m]; ok {
		return pr, true
	}
	if rest, ok := strings.CutPrefix(m, "ft:"); ok {
		m, _, _ = strings.Cut(rest, ":")
		if pr, ok := p.prices[m]; ok {
			return pr, true
		}
	}
	if family, ok := stripDateSuffix(m); ok {
		if pr, ok := p.prices[family]; ok {
			return pr, true
		}
	}
	return Price{}, false
}
