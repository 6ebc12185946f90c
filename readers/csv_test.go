package readers

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestCSV(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"simple LF", "a,b\n1,2\n3,4\n", []string{`2/0 a="1" b="2"`, `3/1 a="3" b="4"`}},
		{"CRLF terminators", "a,b\r\n1,2\r\n3,4\r\n", []string{`2/0 a="1" b="2"`, `3/1 a="3" b="4"`}},
		{"no final newline", "a,b\n1,2", []string{`2/0 a="1" b="2"`}},
		{"stray CR at EOF", "a,b\n1,2\r", []string{`2/0 a="1" b="2"`}},
		{"header only", "a,b\n", nil},
		{"BOM stripped", "\ufeffa,b\n1,2\n", []string{`2/0 a="1" b="2"`}},
		{"blank lines skipped", "\n\na,b\n\n1,2\r\n\r\n\n3,4\n\n", []string{`5/0 a="1" b="2"`, `8/1 a="3" b="4"`}},
		{"empty fields", "a,b,c\n,,\n", []string{`2/0 a="" b="" c=""`}},
		{"quoted comma", "a,b\n\"x,y\",z\n", []string{`2/0 a="x,y" b="z"`}},
		{"escaped quotes", "a,b\n\"say \"\"hi\"\"\",\"\"\n", []string{`2/0 a="say \"hi\"" b=""`}},
		{"embedded LF", "a,b\n\"l1\nl2\",x\n5,6\n", []string{`2/0 a="l1\nl2" b="x"`, `4/1 a="5" b="6"`}},
		{"embedded CRLF kept", "a,b\r\n\"l1\r\nl2\r\n\",x\r\n5,6\r\n", []string{`2/0 a="l1\r\nl2\r\n" b="x"`, `5/1 a="5" b="6"`}},
		{"embedded blank line", "a\n\"x\n\ny\"\n", []string{`2/0 a="x\n\ny"`}},
		{"lone CR in unquoted field kept", "a,b\nx\ry,z\n", []string{`2/0 a="x\ry" b="z"`}},
		{"spaces kept", "a,b\n  x , y \n", []string{`2/0 a="  x " b=" y "`}},
		{"CJK and emoji", "名前,感想\n田中,\"とても良い, 🎉\"\n", []string{`2/0 名前="田中" 感想="とても良い, 🎉"`}},
		{"quoted header", "\"a b\",\"c,d\"\n1,2\n", []string{`2/0 a b="1" c,d="2"`}},
		{"too few fields", "a,b,c,d\nx,y,z\n1,2,3,4\n", []string{
			`2/0 error: <stdin>:2:6: wrong number of fields: got 3, want 4`,
			`3/1 a="1" b="2" c="3" d="4"`}},
		{"too many fields", "a,b\n1,2,3,4\n", []string{`2/0 error: <stdin>:2:5: wrong number of fields: got 4, want 2`}},
		{"too many fields after CJK", "a,b\n日本,語,x\n", []string{`2/0 error: <stdin>:2:6: wrong number of fields: got 3, want 2`}},
		{"field count on multi-line record", "a,b\n\"x\ny\",z,w\n", []string{
			`2/0 error: <stdin>:3:6: wrong number of fields: got 3, want 2 (record starts at line 2)`}},
		{"bare quote", "a,b\nx\"y,z\n1,2\n", []string{
			`2/0 error: <stdin>:2:2: bare " in unquoted field`, `3/1 a="1" b="2"`}},
		{"bare quote later field", "a,b\n1,ab\"c\n3,4\n", []string{
			`2/0 error: <stdin>:2:5: bare " in unquoted field`, `3/1 a="3" b="4"`}},
		{"junk after closing quote", "a,b\n\"x\"y,z\n1,2\n", []string{
			`2/0 error: <stdin>:2:4: extraneous or missing " in quoted field`, `3/1 a="1" b="2"`}},
		{"junk after multi-line quote", "a,b\n\"x\nyy\"z,1\n1,2\n", []string{
			`2/0 error: <stdin>:3:4: extraneous or missing " in quoted field (record starts at line 2)`, `4/1 a="1" b="2"`}},
		{"unterminated quote", "a,b\n1,2\n3,\"oops\n4,5\n6,7\n", []string{
			`2/0 a="1" b="2"`,
			`fatal: <stdin>:3:3: quoted field never closed before end of file`}},
		{"unterminated quote on one line", "a,b\n1,\"oops", []string{
			`fatal: <stdin>:2:3: quoted field never closed before end of file`}},
		{"quoted field at EOF", "a\n\"x\"", []string{`2/0 a="x"`}},
		{"trailing delimiter at EOF", "a,b\n1,", []string{`2/0 a="1" b=""`}},
		{"single column blank is skipped", "a\n\n\"\"\nx\n", []string{`3/0 a=""`, `4/1 a="x"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := openString("csv", tt.in)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer r.Close()
			equalLines(t, drain(t, r), tt.want)
		})
	}
}

func TestCSVHeaderErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
		is             error
	}{
		{"empty", "", "<stdin>: invalid header: no header row (file is empty)", ErrHeader},
		{"blank lines only", "\n\r\n\n", "<stdin>: invalid header: no header row (file is empty)", ErrHeader},
		{"BOM only", "\ufeff", "<stdin>: invalid header: no header row (file is empty)", ErrHeader},
		{"empty name", "a,,c\n", "<stdin>:1:3: invalid header: field 2 has an empty name", ErrHeader},
		{"empty quoted name", "名前,\"\"\n", "<stdin>:1:4: invalid header: field 2 has an empty name", ErrHeader},
		{"trailing comma", "a,b,\n", "<stdin>:1:5: invalid header: field 3 has an empty name", ErrHeader},
		{"duplicate", "\n\nid,text,id\n", `<stdin>:3:9: invalid header: field 3 repeats the name "id" of field 1`, ErrHeader},
		{"duplicate after CJK", "名前,\"x\",名前\n", `<stdin>:1:8: invalid header: field 3 repeats the name "名前" of field 1`, ErrHeader},
		{"duplicate after multi-line name", "\"a\nb\",c,c\n", `<stdin>:2:6: invalid header: field 3 repeats the name "c" of field 2 (record starts at line 1)`, ErrHeader},
		{"bare quote", "a,b\"c\n", `<stdin>:1:4: invalid header: bare " in unquoted field`, ErrBareQuote},
		{"unterminated", "a,\"b\n1,2\n", `<stdin>:1:3: quoted field never closed before end of file`, ErrUnterminatedQuote},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := openString("csv", tt.in)
			if err == nil {
				r.Close()
				t.Fatal("Open succeeded")
			}
			if err.Error() != tt.want {
				t.Errorf("error %q\nwant  %q", err, tt.want)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
		})
	}
}

func TestCSVRowErrorFields(t *testing.T) {
	r, err := openString("csv", "a,b\n\n1\n")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rec, err := r.Next(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var re *RowError
	if !errors.As(rec.Err, &re) {
		t.Fatalf("Err = %v, want *RowError", rec.Err)
	}
	want := RowError{Pos: Position{File: "<stdin>", Line: 3, Row: 0}, Column: 2}
	if re.Pos != want.Pos || re.Column != want.Column || re.Line != 0 || !errors.Is(re, ErrFieldCount) {
		t.Errorf("got %+v, want %+v wrapping ErrFieldCount", *re, want)
	}
}

// TestCSVRaggedRowKeepsFields: a row with the wrong number of fields is an
// error row, but its fields are read, so the pipeline can keep its id
// (issue 13 item 9). Other malformed rows have none.
func TestCSVRaggedRowKeepsFields(t *testing.T) {
	tests := []struct {
		name, row string
		want      string // rendered fields; "" for nil
	}{
		{"too few", "7", `id="7"`},
		{"too many", "7,great,extra", `id="7" text="great"`},
		{"quoted id, too many", "\"7\",\"a\nb\",x", `id="7" text="a\nb"`},
		{"bare quote", `7,x"y`, ""},
		{"stray quote after field", `"7"x,y`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := openString("csv", "id,text\n"+tt.row+"\n")
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rec, err := r.Next(t.Context())
			if err != nil || rec.Err == nil {
				t.Fatalf("Next = %v, %v; want a row error", rec.Err, err)
			}
			var got []string
			for _, f := range rec.Fields {
				got = append(got, fmt.Sprintf("%s=%q", f.Name, f.Value))
			}
			if strings.Join(got, " ") != tt.want || (tt.want == "") != (rec.Fields == nil) {
				t.Errorf("Fields = %v, want %s", got, tt.want)
			}
			if id, ok := rec.Lookup("id"); tt.want != "" && (!ok || id.Value != "7") {
				t.Errorf("Lookup(id) = %v, %v; want 7", id, ok)
			}
		})
	}
}

func TestCSVDelimiters(t *testing.T) {
	tests := []struct {
		name   string
		format string
		delim  rune
		in     string
		want   []string
	}{
		{"semicolon", "csv", ';', "a;b\n1,5;\"x;y\"\n", []string{`2/0 a="1,5" b="x;y"`}},
		{"tsv default", "tsv", 0, "a\tb\n1,2\t\"q\tr\"\n", []string{`2/0 a="1,2" b="q\tr"`}},
		{"multi-byte delimiter", "csv", '§', "a§b\nx§\"y§\"\n", []string{`2/0 a="x" b="y§"`}},
		{"tsv CRLF", "tsv", 0, "a\tb\r\n1\t2\r\n", []string{`2/0 a="1" b="2"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open("-", Options{Format: tt.format, CSVDelimiter: tt.delim, Stdin: strings.NewReader(tt.in)})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			equalLines(t, drain(t, r), tt.want)
		})
	}
}

func TestCSVInvalidDelimiter(t *testing.T) {
	for _, d := range []rune{'"', '\n', '\r', -1} {
		if _, err := Open("-", Options{Format: "csv", CSVDelimiter: d, Stdin: strings.NewReader("a\n")}); err == nil {
			t.Errorf("delimiter %q accepted", d)
		}
	}
}

func TestCSVLongLine(t *testing.T) {
	// Longer than bufio's buffer and bufio.Scanner's 64 KiB limit, both
	// unquoted and inside a multi-line quoted field.
	big := strings.Repeat("é", 300_000)
	in := "a,b\n" + big + ",1\n\"" + big + "\r\n" + big + "\",2\n"
	r, err := openString("csv", in)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rec, err := r.Next(t.Context())
	if err != nil || rec.Err != nil || rec.Fields[0].Value != big || rec.Fields[1].Value != "1" {
		t.Fatalf("first record wrong: err=%v recErr=%v", err, rec.Err)
	}
	rec, err = r.Next(t.Context())
	if err != nil || rec.Err != nil || rec.Fields[0].Value != big+"\r\n"+big || rec.Pos.Line != 3 {
		t.Fatalf("second record wrong: err=%v recErr=%v pos=%v", err, rec.Err, rec.Pos)
	}
}
