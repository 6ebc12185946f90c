package request

import (
	"fmt"
	"sort"
	"strings"
	"text/template/parse"

	"github.com/batchprompt/batchprompt/internal/suggest"
)

// CheckColumns checks, before anything is sent, that every column the job
// names exists in the input: the id column, the kept columns, the prompt
// column and the columns the templates read. have is the input's columns;
// exhaustive says they are all of them (a header or a schema) rather than
// those of the first sample rows (JSONL). A miss is a configuration
// mistake (a typo, most often): the error names the columns that exist
// and the closest match. Batch API lines are not checked.
func (r *Renderer) CheckColumns(have []string, exhaustive bool, sample int) error {
	if r.cfg.Batch {
		return nil
	}
	has := make(map[string]bool, len(have))
	for _, c := range have {
		has[c] = true
	}
	var problems []string
	check := func(what, name string) {
		if name == "" || has[name] {
			return
		}
		msg := fmt.Sprintf("%s %q is not a column of the input", what, name)
		if !exhaustive {
			msg = fmt.Sprintf("%s %q is in none of the input's first %d rows", what, name, sample)
		}
		if best, ok := suggest.Closest(name, have); ok {
			msg += fmt.Sprintf(" (did you mean %q?)", best)
		}
		problems = append(problems, msg)
	}
	check("--id-column", r.cfg.IDColumn)
	for _, k := range r.cfg.Keep {
		check("--keep", k)
	}
	check("--prompt-column", r.cfg.PromptColumn)
	for _, c := range r.templateColumns() {
		check("the template's column", c)
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%s; the input's columns are: %s", strings.Join(problems, "; "), strings.Join(have, ", "))
}

// templateColumns returns the columns the prompt and system templates read
// from the row: {{.name}} and {{index . "name"}} at the top level (inside
// with and range, dot is something else).
func (r *Renderer) templateColumns() []string {
	seen := map[string]bool{}
	for _, p := range []*Prompt{r.prompt, r.system} {
		if p == nil || p.tmpl == nil {
			continue
		}
		for _, t := range p.tmpl.Templates() {
			if t.Tree != nil {
				walkColumns(t.Tree.Root, seen)
			}
		}
	}
	out := make([]string, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

func walkColumns(n parse.Node, seen map[string]bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				walkColumns(c, seen)
			}
		}
	case *parse.ActionNode:
		walkColumns(n.Pipe, seen)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			walkColumns(c, seen)
		}
	case *parse.CommandNode:
		if len(n.Args) == 3 {
			if id, ok := n.Args[0].(*parse.IdentifierNode); ok && id.Ident == "index" {
				if _, dot := n.Args[1].(*parse.DotNode); dot {
					if s, ok := n.Args[2].(*parse.StringNode); ok {
						seen[s.Text] = true
					}
				}
			}
		}
		for _, a := range n.Args {
			walkColumns(a, seen)
		}
	case *parse.FieldNode:
		seen[n.Ident[0]] = true
	case *parse.IfNode:
		walkColumns(n.Pipe, seen)
		walkColumns(n.List, seen)
		walkColumns(n.ElseList, seen)
	case *parse.WithNode:
		walkColumns(n.Pipe, seen) // the body's dot is the pipe's value
		walkColumns(n.ElseList, seen)
	case *parse.RangeNode:
		walkColumns(n.Pipe, seen)
		walkColumns(n.ElseList, seen)
	}
}
