package readers

import (
	"errors"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// damaged returns a gzip file of s whose stored checksum is wrong: it
// decompresses without complaint up to its last bytes, as a damaged file
// often does, and only the checksum at the end gives it away.
func damaged(t *testing.T, s string) []byte {
	t.Helper()
	b := gz(t, s)
	b[len(b)-8] ^= 0xff // the CRC-32 in the gzip trailer
	return b
}

// garbageHeader is what the first line of a damaged .csv.gz part may
// decode to: wide, binary, nothing like the real header.
func garbageHeader() string {
	var b strings.Builder
	for i := range 120 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\x01\x7fcol" + strconv.Itoa(i) + "_\xc3" + strings.Repeat("x", i%30))
	}
	return b.String() + "\n1\n"
}

// TestCorruptGzipPart is issue 13 item 16: a damaged .gz part in a
// directory of inputs used to give a 2.3 KB message about differing
// headers. Now the message names the damaged file and the cause, on one
// line.
func TestCorruptGzipPart(t *testing.T) {
	good := gz(t, "id,text\n1,a\n")
	truncated := gz(t, "id,text\n"+strings.Repeat("2,some text that compresses\n", 2000))
	truncated = truncated[:len(truncated)/2]
	tests := []struct {
		name  string
		files map[string][]byte
		bad   string // the file the message must name
		want  string // the cause it must give
	}{
		{"garbage header in later part", map[string][]byte{"a.csv.gz": good, "b.csv.gz": damaged(t, garbageHeader())}, "b.csv.gz", "invalid checksum"},
		{"garbage header in first part", map[string][]byte{"a.csv.gz": damaged(t, garbageHeader()), "b.csv.gz": good}, "a.csv.gz", "invalid checksum"},
		{"damaged header that repeats a name", map[string][]byte{"a.csv.gz": good, "b.csv.gz": damaged(t, "id,id\n")}, "b.csv.gz", "invalid checksum"},
		{"truncated part", map[string][]byte{"a.csv.gz": good, "b.csv.gz": truncated}, "b.csv.gz", "truncated"},
		{"not gzip at all", map[string][]byte{"a.csv.gz": good, "b.csv.gz": []byte("id,text\n1,a\n")}, "b.csv.gz", "not gzip data"},
		{"zstd frame damaged", map[string][]byte{"a.csv.zst": zst(t, "id,text\n"), "b.csv.zst": zst(t, "id,text\n")[:6]}, "b.csv.zst", "zstd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				writeFile(t, dir, name, content)
			}
			err := openAndDrain(t, dir)
			if err == nil {
				t.Fatal("a damaged part was read without error")
			}
			msg := err.Error()
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("error %q is not ErrCorrupt", msg)
			}
			if !strings.Contains(msg, filepath.Join(dir, tt.bad)) || !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not name %s and %q", msg, tt.bad, tt.want)
			}
			if strings.ContainsAny(msg, "\n\x01") || len(msg) > 200 {
				t.Errorf("error is not one short line (%d bytes): %q", len(msg), msg)
			}
		})
	}
}

// TestCorruptGzipSingleFile: the same for one file given by name, whose
// garbage header used to be blamed as a header.
func TestCorruptGzipSingleFile(t *testing.T) {
	p := writeFile(t, t.TempDir(), "in.csv.gz", damaged(t, "a,,a\n1,2,3\n"))
	err := openAndDrain(t, p)
	if !errors.Is(err, ErrCorrupt) || errors.Is(err, ErrHeader) || !strings.Contains(err.Error(), p) {
		t.Fatalf("error = %v, want ErrCorrupt naming %s", err, p)
	}
}

// TestDifferentHeaderIsShort: intact parts with different headers keep
// the header message, but short even when the header is huge.
func TestDifferentHeaderIsShort(t *testing.T) {
	dir := t.TempDir()
	wide := strings.Repeat("a_long_column_name_that_goes_on_and_on_", 3)
	writeFile(t, dir, "a.csv.gz", gz(t, "id,"+wide+"1\n"))
	writeFile(t, dir, "b.csv.gz", gz(t, "id,"+wide+"2\n"))
	err := openAndDrain(t, dir)
	if !errors.Is(err, ErrHeader) || errors.Is(err, ErrCorrupt) {
		t.Fatalf("error = %v, want ErrHeader only", err)
	}
	msg := strings.ReplaceAll(err.Error(), dir, "")
	if len(msg) > 200 || !strings.Contains(msg, `column 2 is "…on_and_on_2", not "…on_and_on_1"`) {
		t.Errorf("message %q (%d bytes without the directory) does not show the difference briefly", msg, len(msg))
	}
}

// TestReadErrorIsNotCorrupt: an error of the input itself passes through
// the decompressor unchanged; only the decompressor's complaints are
// called corruption.
func TestReadErrorIsNotCorrupt(t *testing.T) {
	errDisk := errors.New("disk on fire")
	in := gz(t, "id,text\n"+strings.Repeat("1,a\n", 1000))
	_, err := Open("-", Options{Format: "csv", Stdin: &failingReader{in[:20], errDisk}})
	if !errors.Is(err, errDisk) || errors.Is(err, ErrCorrupt) {
		t.Fatalf("error = %v, want the read error, not ErrCorrupt", err)
	}
}

// openAndDrain opens path and reads every record, returning the first
// fatal error (nil at a clean end).
func openAndDrain(t *testing.T, path string) error {
	t.Helper()
	r, err := Open(path, Options{})
	if err != nil {
		return err
	}
	defer r.Close()
	for {
		_, err := r.Next(t.Context())
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
