package readers

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestMultiFile(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "parts/part-1.csv", []byte("id,text\n1,a\n2,\"b\"x\n"))
	writeFile(t, dir, "parts/part-10.csv.gz", gz(t, "\ufeffid,text\r\n\r\n3,c\r\n"))
	writeFile(t, dir, "parts/part-2.csv", []byte("id,text\n"))
	writeFile(t, dir, "parts/.hidden.csv", []byte("x\n1\n"))
	writeFile(t, dir, "parts/README.md", []byte("# not data\n"))
	writeFile(t, dir, "parts/sub/part-3.csv", []byte("x\n1\n"))
	c := filepath.Join(dir, "parts/part-10.csv.gz")
	want := []string{
		a + `:2/0 id="1" text="a"`,
		a + `:3/1 error: ` + a + `:3:6: extraneous or missing " in quoted field`,
		c + `:3/2 id="3" text="c"`,
	}
	for _, path := range []string{filepath.Join(dir, "parts"), filepath.Join(dir, "parts/part-*.csv*")} {
		t.Run(path, func(t *testing.T) {
			r, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var got []string
			for {
				rec, err := r.Next(t.Context())
				if err != nil {
					break
				}
				got = append(got, rec.Pos.File+":"+render(rec))
			}
			equalLines(t, got, want)
			p := r.(Progress)
			if p.Size() <= 0 || p.BytesRead() != p.Size() {
				t.Errorf("progress %d/%d", p.BytesRead(), p.Size())
			}
		})
	}
}

func TestMultiFileJSONL(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "b.jsonl", []byte("{\"n\":3}\n"))
	writeFile(t, dir, "a.ndjson.zst", zst(t, "{\"n\":1}\n\n{\"n\":2}\n"))
	r, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	equalLines(t, drain(t, r), []string{`1/0 n="1"`, `3/1 n="2"`, `1/2 n="3"`})
}

func TestMultiFileErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		glob  string
		opt   Options
		want  []string
	}{
		{"header mismatch", map[string]string{"a.csv": "id,text\n1,x\n", "b.csv": "id,body\n2,y\n"}, "*.csv", Options{},
			[]string{"b.csv:1", "a.csv", "invalid header", `column 2 is "body", not "text"`}},
		{"extra column", map[string]string{"a.csv": "id\n", "b.csv": "id,x\n"}, "", Options{}, []string{"b.csv:1", `2 columns, not 1: "x" is extra`}},
		{"missing column", map[string]string{"a.csv": "id,x\n", "b.csv": "id\n"}, "", Options{}, []string{"b.csv:1", `1 columns, not 2: "x" is missing`}},
		{"header order", map[string]string{"a.csv": "id,text\n", "b.csv": "text,id\n"}, "", Options{}, []string{"b.csv", "a.csv"}},
		{"bad header later file", map[string]string{"a.csv": "id\n", "b.csv": "id,id\n"}, "", Options{}, []string{"b.csv:1:4", "repeats"}},
		{"empty later file", map[string]string{"a.csv": "id\n", "b.csv": ""}, "", Options{}, []string{"b.csv", "no header"}},
		{"mixed formats", map[string]string{"a.csv": "id\n", "b.jsonl": "{}\n"}, "", Options{}, []string{"mixes formats", "a.csv", "b.jsonl"}},
		{"bad pattern", map[string]string{"a.csv": "id\n"}, "[", Options{}, []string{"syntax error in pattern"}},
		{"unknown extension in glob", map[string]string{"a.txt": "id\n"}, "*", Options{}, []string{"a.txt", "extension"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				writeFile(t, dir, name, []byte(content))
			}
			path := dir
			if tt.glob != "" {
				path = filepath.Join(dir, tt.glob)
			}
			r, err := Open(path, tt.opt)
			if err == nil {
				r.Close()
				t.Fatal("Open succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestMultiFileFormatOverride(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.txt", []byte("x;y\n1;2\n"))
	writeFile(t, dir, "b.txt", []byte("x;y\n3;4\n"))
	r, err := Open(filepath.Join(dir, "*.txt"), Options{Format: "csv", CSVDelimiter: ';'})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	equalLines(t, drain(t, r), []string{`2/0 x="1" y="2"`, `2/1 x="3" y="4"`})
}

func TestMultiFileFatalNamesFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.csv", []byte("id\n1\n"))
	writeFile(t, dir, "b.csv", []byte("id\n\"2\n3\n"))
	writeFile(t, dir, "c.csv", []byte("id\n4\n"))
	r, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := drain(t, r)
	want := []string{`2/0 id="1"`, "fatal: " + filepath.Join(dir, "b.csv") + `:2:1: quoted field never closed before end of file`}
	equalLines(t, got, want)
	if _, err := r.Next(t.Context()); err == nil || !strings.Contains(err.Error(), "b.csv:2:1") {
		t.Errorf("fatal error not sticky: %v", err)
	}
}
