package jobstate

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// paramsKey is the fingerprint key holding the request parameters as one
// JSON object; a change inside it is reported per parameter.
const paramsKey = "params"

// Change is one difference between a stored fingerprint and the current
// one: the stored value and the current value of one key or parameter.
type Change struct {
	Name     string // the key with "_" as a space, or the parameter's name
	Old, New string // as the user would write them; "" for absent
	param    bool   // a request parameter: values are JSON literals
}

// String says what changed and how, as "temperature 0 → 0.5".
func (c Change) String() string {
	return c.Name + " " + c.show(c.Old) + " → " + c.show(c.New)
}

// maxShown bounds how much of a value (a template, say) a message quotes.
const maxShown = 40

func (c Change) show(v string) string {
	if v == "" {
		return "(none)"
	}
	if c.param {
		return v
	}
	line, _, multi := strings.Cut(v, "\n")
	if utf8.RuneCountInString(line) > maxShown {
		line, multi = string([]rune(line)[:maxShown]), true
	}
	if multi {
		return strconv.Quote(line) + "…"
	}
	if strings.ContainsAny(line, " \t\"") {
		return strconv.Quote(line)
	}
	return line
}

// diff returns what differs between the stored fingerprint old and the
// current one, sorted by name. Keys only old has are ignored: they come
// from an older release, and a key the current one adds reads as "" there.
func diff(old, cur map[string]string) []Change {
	var out []Change
	for k, v := range cur {
		if old[k] == v {
			continue
		}
		if k == paramsKey {
			if ps := diffParams(old[k], v); len(ps) > 0 {
				out = append(out, ps...)
				continue
			}
		}
		out = append(out, Change{Name: strings.ReplaceAll(k, "_", " "), Old: old[k], New: v, param: k == paramsKey})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// diffParams compares two JSON objects of request parameters member by
// member. It returns nil when either is not an object or no member
// differs, so the caller reports the whole value instead.
func diffParams(old, cur string) []Change {
	var a, b map[string]json.RawMessage
	if json.Unmarshal([]byte(old), &a) != nil || json.Unmarshal([]byte(cur), &b) != nil {
		return nil
	}
	var out []Change
	seen := map[string]bool{}
	for _, m := range []map[string]json.RawMessage{a, b} {
		for k := range m {
			if seen[k] {
				continue
			}
			seen[k] = true
			if !bytes.Equal(a[k], b[k]) {
				out = append(out, Change{Name: strings.ReplaceAll(k, "_", " "), Old: string(a[k]), New: string(b[k]), param: true})
			}
		}
	}
	return out
}

func mismatch(state string, changes []Change) error {
	if len(changes) == 0 {
		return nil
	}
	names := make([]string, len(changes))
	for i, c := range changes {
		names[i] = c.Name
	}
	return &ConfigError{Err: &MismatchError{State: state, Changed: names, Diffs: changes}}
}

// compare checks the current fingerprint cur against the one stored in a
// state database (old): it returns nil when they describe the same job,
// and otherwise a *MismatchError, wrapped in a *ConfigError, naming each
// difference with its stored and current value.
func compare(state string, old, cur map[string]string) error {
	return mismatch(state, diff(old, cur))
}
