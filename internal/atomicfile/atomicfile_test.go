package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name    string
		old     string // existing content; "" means no file yet
		fn      func(w io.Writer) error
		want    string // content of path afterwards
		wantErr error
	}{
		{
			name: "new file",
			fn:   func(w io.Writer) error { _, err := io.WriteString(w, "hello\n"); return err },
			want: "hello\n",
		},
		{
			name: "replaces existing",
			old:  "old content",
			fn:   func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err },
			want: "new",
		},
		{
			name: "empty output",
			old:  "old content",
			fn:   func(w io.Writer) error { return nil },
			want: "",
		},
		{
			name: "large output spans buffers",
			fn: func(w io.Writer) error {
				_, err := io.WriteString(w, strings.Repeat("x", 3*bufferSize+7))
				return err
			},
			want: strings.Repeat("x", 3*bufferSize+7),
		},
		{
			name: "fn error keeps old file",
			old:  "old content",
			fn: func(w io.Writer) error {
				_, _ = io.WriteString(w, strings.Repeat("partial", bufferSize))
				return errBoom
			},
			want:    "old content",
			wantErr: errBoom,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.csv")
			if tt.old != "" {
				if err := os.WriteFile(path, []byte(tt.old), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			err := Write(path, tt.fn)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Write error = %v, want %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), path) {
					t.Errorf("error %q does not name %s", err, path)
				}
			} else if err != nil {
				t.Fatalf("Write: %v", err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("content = %.40q (len %d), want %.40q (len %d)", got, len(got), tt.want, len(tt.want))
			}
			assertOnly(t, dir, "out.csv")
			if tt.wantErr == nil && runtime.GOOS != "windows" {
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != fileMode {
					t.Errorf("mode = %v, want %v", fi.Mode().Perm(), os.FileMode(fileMode))
				}
			}
		})
	}
}

func TestWritePanicLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.jsonl")
	func() {
		defer func() { _ = recover() }()
		_ = Write(path, func(w io.Writer) error { panic("fn panicked") })
	}()
	assertOnly(t, dir)
}

func TestWriteMissingDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-dir", "out.csv")
	called := false
	err := Write(path, func(w io.Writer) error { called = true; return nil })
	if err == nil {
		t.Fatal("Write into a missing directory succeeded")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name %s", err, path)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %v does not wrap os.ErrNotExist", err)
	}
	if called {
		t.Error("fn was called although the temp file could not be created")
	}
}

func TestWriteRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := Write("rel.txt", func(w io.Writer) error { _, err := io.WriteString(w, "ok"); return err }); err != nil {
		t.Fatalf("Write: %v", err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "rel.txt"))
	if err != nil || string(got) != "ok" {
		t.Fatalf("content = %q, %v", got, err)
	}
	assertOnly(t, dir, "rel.txt")
}

// assertOnly fails unless dir holds exactly the named entries: any leftover
// temp file is a leak.
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("directory holds %q, want %q", got, names)
	}
}
