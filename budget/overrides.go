package budget

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// overrideRow is one model's fields from an override file, with the
// position of each (a "line L, column C: " prefix for error messages)
// when the format has one.
type overrideRow struct {
	model  string
	pos    string
	fields []overrideField
}

type overrideField struct {
	key   string
	value float64
	pos   string
}

// WithOverrides returns a new table: p with the rates in the file at path
// applied on top. The file (JSON for .json, YAML for .yaml/.yml) maps model
// name → {input, cached_input, output, batch_input, batch_output,
// context_window, max_output}; prices are USD per 1M tokens. Fields given
// replace the table's, fields not given keep it (so the 50 % batch and
// cached-input fall-backs follow a changed input price only when the table
// lists no explicit value). A model not in p is added and must give input
// and output. Unknown keys, negative or non-numeric values and
// non-integer limits are errors naming the file, model and key (and line
// and column for YAML). p itself is not modified.
func (p *Prices) WithOverrides(path string) (*Prices, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("price overrides: %w", err)
	}
	var rows []overrideRow
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".json":
		rows, err = parseOverridesJSON(data)
	case ".yaml", ".yml":
		rows, err = parseOverridesYAML(data)
	default:
		return nil, fmt.Errorf("price overrides %s: unsupported extension %q (want .json, .yaml or .yml)", path, ext)
	}
	if err != nil {
		return nil, fmt.Errorf("price overrides %s: %w", path, err)
	}
	entries := maps.Clone(p.entries)
	for _, r := range rows {
		name := strings.ToLower(strings.TrimSpace(r.model))
		if name == "" {
			return nil, fmt.Errorf("price overrides %s: %sempty model name", path, r.pos)
		}
		e, known := entries[name]
		for _, f := range r.fields {
			if err := e.set(f.key, f.value); err != nil {
				return nil, fmt.Errorf("price overrides %s: %smodel %q: key %q: %w", path, f.pos, r.model, f.key, err)
			}
		}
		if !known && (e.Input == nil || e.Output == nil) {
			return nil, fmt.Errorf("price overrides %s: %smodel %q: not in the price table, so input and output are required", path, r.pos, r.model)
		}
		entries[name] = e
	}
	return newPrices(entries, p.source+" + overrides "+path), nil
}

// set stores one override field, validating it.
func (e *priceEntry) set(key string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return fmt.Errorf("value %v must be a finite number ≥ 0", v)
	}
	rate := func(dst **float64) error { *dst = &v; return nil }
	limit := func(dst **int64) error {
		if v != math.Trunc(v) || v > 1<<53 {
			return fmt.Errorf("value %v must be a whole number of tokens", v)
		}
		n := int64(v)
		*dst = &n
		return nil
	}
	switch key {
	case "input":
		return rate(&e.Input)
	case "cached_input":
		return rate(&e.CachedInput)
	case "output":
		return rate(&e.Output)
	case "batch_input":
		return rate(&e.BatchInput)
	case "batch_output":
		return rate(&e.BatchOutput)
	case "context_window":
		return limit(&e.ContextWindow)
	case "max_output":
		return limit(&e.MaxOutput)
	default:
		return errors.New("unknown key (want input, cached_input, output, batch_input, batch_output, context_window or max_output)")
	}
}

func parseOverridesJSON(data []byte) ([]overrideRow, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, jsonErr(data, err)
	}
	if top == nil {
		return nil, errors.New("want an object mapping model name to prices")
	}
	var rows []overrideRow
	for _, model := range slices.Sorted(maps.Keys(top)) {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(top[model], &obj); err != nil || obj == nil {
			return nil, fmt.Errorf("model %q: want an object of prices", model)
		}
		row := overrideRow{model: model}
		for _, key := range slices.Sorted(maps.Keys(obj)) {
			var v float64
			if err := json.Unmarshal(obj[key], &v); err != nil {
				return nil, fmt.Errorf("model %q: key %q: want a number, got %s", model, key, bytes.TrimSpace(obj[key]))
			}
			row.fields = append(row.fields, overrideField{key: key, value: v})
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// jsonErr adds a line and column to a JSON syntax error.
func jsonErr(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset <= int64(len(data)) {
		before := data[:se.Offset]
		line := bytes.Count(before, []byte("\n")) + 1
		col := int(se.Offset) - bytes.LastIndexByte(before, '\n')
		return fmt.Errorf("line %d, column %d: %w", line, col, err)
	}
	return err
}

func parseOverridesYAML(data []byte) ([]overrideRow, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind == 0 { // empty file
		return nil, nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("want a mapping of model name to prices")
	}
	top := doc.Content[0]
	var rows []overrideRow
	seen := map[string]bool{}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		pos := yamlPos(k)
		if seen[k.Value] {
			return nil, fmt.Errorf("%smodel %q listed twice", pos, k.Value)
		}
		seen[k.Value] = true
		if v.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%smodel %q: want a mapping of prices", pos, k.Value)
		}
		row := overrideRow{model: k.Value, pos: pos}
		for j := 0; j+1 < len(v.Content); j += 2 {
			fk, fv := v.Content[j], v.Content[j+1]
			var x float64
			if fv.Kind != yaml.ScalarNode || fv.Decode(&x) != nil {
				return nil, fmt.Errorf("%smodel %q: key %q: want a number, got %q", yamlPos(fv), k.Value, fk.Value, fv.Value)
			}
			row.fields = append(row.fields, overrideField{key: fk.Value, value: x, pos: yamlPos(fk)})
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// yamlPos formats a node's position as a message prefix.
func yamlPos(n *yaml.Node) string {
	return fmt.Sprintf("line %d, column %d: ", n.Line, n.Column)
}
