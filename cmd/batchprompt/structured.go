package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/batchprompt/batchprompt/pipeline"
)

// structuredJob settles --json-schema, --json-object and
// --max-parse-attempts. The schema is a file, or, from a job file, the
// schema inline (readJobFile turns its mapping into JSON text, which
// starts with '{'; no schema file's path does). Whether the schema keeps
// to strict mode is checked by the pipeline, which names each JSON path.
func structuredJob(j *pipeline.Job, f *runFlags) error {
	if f.maxParseAttempts < 1 {
		return &usageError{fmt.Errorf("--max-parse-attempts %d: want at least 1 (1: no retries)", f.maxParseAttempts)}
	}
	j.JSONObject = f.jsonObject
	if f.jsonSchema == "" {
		return nil
	}
	if f.jsonObject {
		return &usageError{fmt.Errorf("give --json-schema or --json-object, not both")}
	}
	text := []byte(f.jsonSchema)
	if trimmed := bytes.TrimSpace(text); len(trimmed) == 0 || trimmed[0] != '{' {
		b, err := os.ReadFile(f.jsonSchema)
		if err != nil {
			return &usageError{fmt.Errorf("--json-schema: %w", err)}
		}
		text = b
	}
	var v any
	if err := json.Unmarshal(text, &v); err != nil {
		return &usageError{fmt.Errorf("--json-schema %s: not valid JSON: %w", shortSchema(f.jsonSchema), err)}
	}
	j.JSONSchema = text
	return nil
}

// shortSchema names the schema in a message: the path, or the start of
// the inline text.
func shortSchema(s string) string {
	if len(s) > 40 {
		return strconv.Quote(s[:40] + "…")
	}
	return strconv.Quote(s)
}

// yamlJSON renders a YAML node as JSON, keeping the order of mapping
// keys (a schema's property order is its column order). Scalars keep
// their YAML type: a quoted "1" stays a string, 1 a number.
func yamlJSON(n *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	if err := appendYAMLJSON(&b, n, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// maxYAMLDepth bounds nesting (and alias loops) in an inline schema.
const maxYAMLDepth = 64

func appendYAMLJSON(b *bytes.Buffer, n *yaml.Node, depth int) error {
	if depth > maxYAMLDepth {
		return fmt.Errorf("line %d: nested more than %d levels deep", n.Line, maxYAMLDepth)
	}
	switch n.Kind {
	case yaml.AliasNode:
		return appendYAMLJSON(b, n.Alias, depth+1)
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(n.Content[i].Value)
			b.Write(k)
			b.WriteByte(':')
			if err := appendYAMLJSON(b, n.Content[i+1], depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, item := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := appendYAMLJSON(b, item, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		s, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("line %d: %q cannot be JSON: %w", n.Line, n.Value, err)
		}
		b.Write(s)
	default:
		return fmt.Errorf("line %d: unexpected YAML", n.Line)
	}
	return nil
}
