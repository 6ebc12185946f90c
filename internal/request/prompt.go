package request

import (
	"errors"
	"fmt"
	"strings"
	"text/template"

	"github.com/batchprompt/batchprompt/readers"
)

// Prompt turns one input record into the text of the user message: either a
// Go text/template over the record's columns, or one column taken as is.
// It is safe for concurrent use.
type Prompt struct {
	tmpl   *template.Template
	column string
}

// NewPrompt parses a template, or selects column when tmpl is empty. Exactly
// one of the two must be given. The template sees the row as a map from
// column name to text ({{.review}}, or {{index . "first name"}} for names
// that are not identifiers); NULL values render as the empty string.
func NewPrompt(tmpl, column string) (*Prompt, error) {
	switch {
	case tmpl != "" && column != "":
		return nil, errors.New("give either a template or a prompt column, not both")
	case column != "":
		return &Prompt{column: column}, nil
	case tmpl == "":
		return nil, errors.New("no prompt: give --template, --template-file or --prompt-column")
	}
	p, err := newTemplate("prompt", tmpl)
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	return p, nil
}

// newTemplate parses a template over a row. A column absent from the row
// is a row error whatever the syntax: missingkey=error covers {{.name}},
// and our own index covers {{index . "name"}}, where the built-in index
// would silently render an empty string and the row would be sent.
func newTemplate(name, text string) (*Prompt, error) {
	t, err := template.New(name).Option("missingkey=error").Funcs(template.FuncMap{"index": indexColumn}).Parse(text)
	if err != nil {
		return nil, err
	}
	return &Prompt{tmpl: t}, nil
}

// indexColumn is the template's index: a row's column by name, an error
// when the row has no such column.
func indexColumn(row any, keys ...any) (string, error) {
	m, ok := row.(map[string]string)
	if !ok || len(keys) != 1 {
		return "", errors.New(`index takes the row and one column name: {{index . "first name"}}`)
	}
	name, ok := keys[0].(string)
	if !ok {
		return "", fmt.Errorf("index: column name %v is not a string", keys[0])
	}
	v, ok := m[name]
	if !ok {
		return "", fmt.Errorf("column %q is missing from this row", name)
	}
	return v, nil
}

// Render returns the prompt text for rec.
func (p *Prompt) Render(rec readers.Record) (string, error) {
	if p.column != "" {
		f, ok := rec.Lookup(p.column)
		if !ok {
			return "", fmt.Errorf("prompt column %q is missing", p.column)
		}
		return f.Value, nil
	}
	data := make(map[string]string, len(rec.Fields))
	for _, f := range rec.Fields {
		data[f.Name] = f.Value
	}
	var sb strings.Builder
	if err := p.tmpl.Execute(&sb, data); err != nil {
		return "", fmt.Errorf("template: %w", cleanTemplateError(err))
	}
	return sb.String(), nil
}

// cleanTemplateError shortens text/template's execution errors, which repeat
// the template name and position, to the part a user can act on.
func cleanTemplateError(err error) error {
	var ee template.ExecError
	if errors.As(err, &ee) {
		msg := ee.Err.Error()
		if i := strings.Index(msg, "map has no entry for key "); i >= 0 {
			return fmt.Errorf("column %s is missing from this row", strings.TrimPrefix(msg[i:], "map has no entry for key "))
		}
		return ee.Err
	}
	return err
}
