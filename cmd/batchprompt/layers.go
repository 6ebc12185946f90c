package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// Env looks up environment variables; tests pass a map.
type Env interface {
	Lookup(key string) (string, bool)
}

// openAIEnv names the OpenAI SDKs' own variable for a flag, if it has one.
// They rank below the job file: a job file names its server on purpose,
// while these are often set once for a whole shell.
func openAIEnv(flag string) (string, bool) {
	switch flag {
	case "base-url":
		return "OPENAI_BASE_URL", true
	case "org-id":
		return "OPENAI_ORG_ID", true
	case "project-id":
		return "OPENAI_PROJECT_ID", true
	}
	return "", false
}

// isPathFlag reports whether a flag holds a file path: in a job file it is
// relative to the file's folder.
func isPathFlag(flag string) bool {
	switch flag {
	case "input", "output", "template-file", "system-file", "state", "api-key-file", "prices", "summary", "sim-log", "json-schema", "cache":
		return true
	}
	return false
}

// isSecretKey reports whether a job-file key would hold a secret: job
// files get committed and shared, so it may not appear in one.
func isSecretKey(key string) bool {
	switch key {
	case "api-key", "openai-api-key", "key", "azure-api-key":
		return true
	}
	return false
}

// envName is the BATCHPROMPT_* variable for a flag: max-tokens → BATCHPROMPT_MAX_TOKENS.
func envName(flag string) string {
	return "BATCHPROMPT_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// jobValue is one key of a job file.
type jobValue struct {
	values    []string
	line, col int
}

// jobFile is a parsed job file.
type jobFile struct {
	path   string
	values map[string]jobValue
}

// readJobFile parses a YAML job file. Keys are the run command's flag
// names, with - or _ (max_tokens or max-tokens). Unknown keys and API keys
// are errors naming the file, line and column.
func readJobFile(path string, fs *pflag.FlagSet) (*jobFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &usageError{fmt.Errorf("job file: %w", err)}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &usageError{fmt.Errorf("job file %s: %w", path, err)}
	}
	jf := &jobFile{path: path, values: map[string]jobValue{}}
	if len(doc.Content) == 0 {
		return jf, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &usageError{fmt.Errorf("%s:%d:%d: a job file is a mapping of settings (key: value)", path, root.Line, root.Column)}
	}
	dir := filepath.Dir(path)
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		name := strings.ReplaceAll(k.Value, "_", "-")
		where := fmt.Sprintf("%s:%d:%d", path, k.Line, k.Column)
		if isSecretKey(name) {
			return nil, &usageError{fmt.Errorf("%s: %q: an API key does not belong in a job file; set OPENAI_API_KEY or give api_key_file", where, k.Value)}
		}
		f := fs.Lookup(name)
		if f == nil || name == "help" {
			return nil, &usageError{fmt.Errorf("%s: unknown key %q%s", where, k.Value, suggest(name, fs))}
		}
		if _, dup := jf.values[name]; dup {
			return nil, &usageError{fmt.Errorf("%s: %q is set twice", where, k.Value)}
		}
		var vals []string
		switch {
		case v.Kind == yaml.MappingNode && name == "json-schema":
			// The schema inline: its JSON text, in the file's key order.
			js, err := yamlJSON(v)
			if err != nil {
				return nil, &usageError{fmt.Errorf("%s: json_schema: %w", where, err)}
			}
			jf.values[name] = jobValue{values: []string{string(js)}, line: v.Line, col: v.Column}
			continue
		case v.Kind == yaml.ScalarNode:
			vals = []string{v.Value}
		case v.Kind == yaml.SequenceNode:
			for _, item := range v.Content {
				if item.Kind != yaml.ScalarNode {
					return nil, &usageError{fmt.Errorf("%s:%d:%d: %s: list items must be plain values", path, item.Line, item.Column, k.Value)}
				}
				vals = append(vals, item.Value)
			}
		default:
			return nil, &usageError{fmt.Errorf("%s:%d:%d: %s: expected a value or a list", path, v.Line, v.Column, k.Value)}
		}
		if isPathFlag(name) {
			for j, p := range vals {
				if p != "-" && p != "" && !filepath.IsAbs(p) {
					vals[j] = filepath.Join(dir, p)
				}
			}
		}
		jf.values[name] = jobValue{values: vals, line: v.Line, col: v.Column}
	}
	return jf, nil
}

// suggest names the closest known key, for typos, as the job file spells
// keys (max_tokens).
func suggest(name string, fs *pflag.FlagSet) string {
	best := closestFlag(strings.ReplaceAll(name, "_", "-"), fs)
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", strings.ReplaceAll(best, "-", "_"))
}

// applyLayers fills every flag not given on the command line from, in
// order of precedence: BATCHPROMPT_* environment, the job file, OPENAI_*
// environment. Defaults stay where none of them says anything.
func applyLayers(fs *pflag.FlagSet, jf *jobFile, env Env) error {
	var errs []error
	var names []string
	fs.VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
	sort.Strings(names)
	for _, name := range names {
		f := fs.Lookup(name)
		if f.Changed || name == "help" {
			continue
		}
		if v, ok := env.Lookup(envName(name)); ok && v != "" {
			if err := fs.Set(name, v); err != nil {
				errs = append(errs, fmt.Errorf("environment %s: %w", envName(name), err))
			}
			continue
		}
		if jf != nil {
			if jv, ok := jf.values[name]; ok {
				for _, v := range jv.values {
					if err := fs.Set(name, v); err != nil {
						errs = append(errs, fmt.Errorf("%s:%d:%d: %s: %w", jf.path, jv.line, jv.col, strings.ReplaceAll(name, "-", "_"), err))
						break
					}
				}
				continue
			}
		}
		if ev, ok := openAIEnv(name); ok {
			if v, ok := env.Lookup(ev); ok && v != "" {
				if err := fs.Set(name, v); err != nil {
					errs = append(errs, fmt.Errorf("environment %s: %w", ev, err))
				}
			}
		}
	}
	if len(errs) > 0 {
		return &usageError{errors.Join(errs...)}
	}
	return nil
}
