package readers

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// render turns a record into one comparable line:
// `line/row name="value" ...`, `line/row null:name`, or `line/row error: ...`.
func render(rec Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d/%d", rec.Pos.Line, rec.Pos.Row)
	if rec.Err != nil {
		b.WriteString(" error: " + rec.Err.Error())
		return b.String()
	}
	for _, f := range rec.Fields {
		if f.Null {
			fmt.Fprintf(&b, " null:%s", f.Name)
			continue
		}
		fmt.Fprintf(&b, " %s=%q", f.Name, f.Value)
	}
	return b.String()
}

// drain reads r to the end and renders every record; a fatal error becomes
// a last line "fatal: ...".
func drain(t *testing.T, r Reader) []string {
	t.Helper()
	var out []string
	for i := 0; ; i++ {
		if i > 1_000_000 {
			t.Fatal("reader does not stop")
		}
		rec, err := r.Next(context.Background())
		if err == io.EOF {
			return out
		}
		if err != nil {
			return append(out, "fatal: "+err.Error())
		}
		out = append(out, render(rec))
	}
}

// writeFile writes content under dir and returns its path.
func writeFile(t *testing.T, dir, name string, content []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// openString opens content as stdin in the given format.
func openString(format, content string) (Reader, error) {
	return Open("-", Options{Format: format, Stdin: strings.NewReader(content)})
}

func equalLines(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}
