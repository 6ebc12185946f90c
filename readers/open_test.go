package readers

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zst(t *testing.T, s string) []byte {
	t.Helper()
	w, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	return w.EncodeAll([]byte(s), nil)
}

func TestDetectFormat(t *testing.T) {
	tests := []struct{ path, want string }{
		{"a.csv", "csv"}, {"dir.x/A.CSV", "csv"}, {"a.csv.gz", "csv"}, {"a.tsv.zst", "tsv"}, {"a.tab", "tsv"},
		{"a.jsonl", "jsonl"}, {"a.ndjson.gz", "jsonl"}, {"reviews.jsonl.zst", "jsonl"},
		{"a.json", ""}, {"a.txt", ""}, {"a.gz", ""}, {"csv", ""}, {"a.csv.bz2", ""},
	}
	for _, tt := range tests {
		got, err := DetectFormat(tt.path)
		if got != tt.want || (err != nil) != (tt.want == "") {
			t.Errorf("DetectFormat(%q) = %q, %v; want %q", tt.path, got, err, tt.want)
		}
		if err != nil && (!strings.Contains(err.Error(), tt.path) || !strings.Contains(err.Error(), ".jsonl")) {
			t.Errorf("error %q should name the file and the supported extensions", err)
		}
	}
}

func TestOpenFiles(t *testing.T) {
	dir := t.TempDir()
	csvText := "id,text\n1,\"a\r\nb\"\n2,日本\n"
	jsonText := "{\"id\":1,\"text\":\"a\"}\n{\"id\":2,\"text\":\"日本\"}\n"
	tsvText := "id\ttext\n1\ta\n"
	csvWant := []string{`2/0 id="1" text="a\r\nb"`, `4/1 id="2" text="日本"`}
	jsonWant := []string{`1/0 id="1" text="a"`, `2/1 id="2" text="日本"`}
	tests := []struct {
		name    string
		content []byte
		opt     Options
		want    []string
	}{
		{"r.csv", []byte(csvText), Options{}, csvWant},
		{"r.csv.gz", gz(t, csvText), Options{}, csvWant},
		{"r.csv.zst", zst(t, csvText), Options{}, csvWant},
		{"r.jsonl", []byte(jsonText), Options{}, jsonWant},
		{"r.ndjson", []byte(jsonText), Options{}, jsonWant},
		{"reviews.jsonl.zst", zst(t, jsonText), Options{}, jsonWant},
		{"r.jsonl.gz", gz(t, jsonText), Options{}, jsonWant},
		{"r.tsv", []byte(tsvText), Options{}, []string{`2/0 id="1" text="a"`}},
		{"r.tab.gz", gz(t, tsvText), Options{}, []string{`2/0 id="1" text="a"`}},
		{"r.txt", []byte(jsonText), Options{Format: "ndjson"}, jsonWant},
		{"r.data", []byte("a;b\n1;2\n"), Options{Format: "CSV", CSVDelimiter: ';'}, []string{`2/0 a="1" b="2"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, dir, tt.name, tt.content)
			r, err := Open(p, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			want := append([]string(nil), tt.want...)
			got := drain(t, r)
			equalLines(t, got, want)
			pr := r.(Progress)
			if pr.Size() != int64(len(tt.content)) || pr.BytesRead() != pr.Size() {
				t.Errorf("progress %d/%d, want %d/%d", pr.BytesRead(), pr.Size(), len(tt.content), len(tt.content))
			}
			if err := r.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		})
	}
}

func TestOpenPositionNamesFile(t *testing.T) {
	p := writeFile(t, t.TempDir(), "data/reviews.csv", []byte("a\n\"x\"y\n"))
	r, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rec, _ := r.Next(t.Context())
	if rec.Pos.String() != p+":2" || !strings.HasPrefix(rec.Err.Error(), p+":2:4: ") {
		t.Errorf("pos %s, err %v", rec.Pos, rec.Err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "bad.csv.gz", []byte("not gzip at all"))
	writeFile(t, dir, "bad.jsonl.zst", []byte("not zstd at all, really not"))
	writeFile(t, dir, "a.txt", []byte("x"))
	writeFile(t, dir, "empty.csv", nil)
	writeFile(t, dir, "sub/x.json", nil)
	tests := []struct {
		name, path string
		opt        Options
		want       []string // substrings
		is         error
	}{
		{"missing", "nope.csv", Options{}, []string{"nope.csv"}, fs.ErrNotExist},
		{"missing glob", "nope-*.csv", Options{}, []string{"nope-*.csv", "matches no files"}, nil},
		{"unknown extension", "a.txt", Options{}, []string{"a.txt", ".csv", ".jsonl"}, nil},
		{"unknown format", "a.txt", Options{Format: "xml"}, []string{`"xml"`, "csv"}, nil},
		{"corrupt gzip", "bad.csv.gz", Options{}, []string{"bad.csv.gz", "gzip"}, nil},
		{"corrupt zstd", "bad.jsonl.zst", Options{}, []string{"bad.jsonl.zst"}, nil},
		{"empty csv", "empty.csv", Options{}, []string{"empty.csv", "no header"}, ErrHeader},
		{"dir without data", "sub", Options{}, []string{"sub", "holds no"}, nil},
		{"stdin nil", "-", Options{}, []string{"<stdin>", "Stdin is nil"}, nil},
		{"stdin truncated gzip", "-", Options{Stdin: bytes.NewReader([]byte{0x1f, 0x8b})}, []string{"<stdin>", "gzip"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path
			if path != "-" {
				path = filepath.Join(dir, path)
			}
			r, err := Open(path, tt.opt)
			if err == nil {
				r.Close()
				t.Fatal("Open succeeded")
			}
			if r != nil {
				t.Errorf("Open returned a non-nil Reader %#v with its error", r)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
		})
	}
}

func TestStdin(t *testing.T) {
	tests := []struct {
		name string
		opt  Options
		in   []byte
		want []string
	}{
		{"jsonl default", Options{}, []byte(`{"a":1}`), []string{`1/0 a="1"`}},
		{"csv", Options{Format: "csv"}, []byte("a\n1\n"), []string{`2/0 a="1"`}},
		{"gzip sniffed", Options{}, gz(t, `{"a":1}`), []string{`1/0 a="1"`}},
		{"zstd sniffed", Options{Format: "csv"}, zst(t, "a\n1\n"), []string{`2/0 a="1"`}},
		{"tiny", Options{}, []byte("{}"), []string{`1/0`}},
		{"empty jsonl", Options{}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opt.Stdin = bytes.NewReader(tt.in)
			r, err := Open("-", tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			equalLines(t, drain(t, r), tt.want)
			if s := r.(Progress).Size(); s != -1 {
				t.Errorf("Size = %d, want -1", s)
			}
			if n := r.(Progress).BytesRead(); n != int64(len(tt.in)) {
				t.Errorf("BytesRead = %d, want %d", n, len(tt.in))
			}
		})
	}
}

// failingReader returns data, then an error.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReadErrorIsFatalAndSticky(t *testing.T) {
	boom := errors.New("disk on fire")
	for _, format := range []string{"csv", "jsonl"} {
		in := "a\n1\n"
		if format == "jsonl" {
			in = "\n{\"a\":1}\n"
		}
		r, err := Open("-", Options{Format: format, Stdin: &failingReader{[]byte(in), boom}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Next(t.Context()); err != nil {
			t.Fatalf("%s: first record: %v", format, err)
		}
		for range 2 {
			_, err = r.Next(t.Context())
			if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "<stdin>:3: read: ") {
				t.Errorf("%s: err = %v, want read error at <stdin>:3", format, err)
			}
		}
		r.Close()
	}
}

func TestNextHonoursContext(t *testing.T) {
	r, err := openString("jsonl", "{}\n{}\n")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := r.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// Cancellation is not sticky: a live context reads on.
	if rec, err := r.Next(t.Context()); err != nil || rec.Pos.Row != 0 {
		t.Fatalf("after cancel: %v %v", rec, err)
	}
	if _, err := r.Next(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(t.Context()); err != io.EOF {
		t.Fatalf("err = %v, want io.EOF", err)
	}
}

func TestHeaderReader(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.csv", []byte("x,y\n"))
	writeFile(t, dir, "b.csv", []byte("x,y\n1,2\n"))
	j := writeFile(t, dir, "j/a.jsonl", []byte("{}\n"))
	tests := []struct {
		path string
		want string
	}{
		{filepath.Join(dir, "a.csv"), "x|y"},
		{filepath.Join(dir, "*.csv"), "x|y"},
		{j, ""},
		{filepath.Join(dir, "j"), ""},
	}
	for _, tt := range tests {
		r, err := Open(tt.path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(r.(HeaderReader).Header(), "|"); got != tt.want {
			t.Errorf("%s: Header() = %q, want %q", tt.path, got, tt.want)
		}
		r.Close()
	}
}
