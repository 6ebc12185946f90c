package readers

import (
	"errors"
	"testing"
)

func TestLookup(t *testing.T) {
	rec := Record{Fields: []Field{{Name: "a", Value: "1"}, {Name: "b", Null: true}}}
	tests := []struct {
		name string
		want Field
		ok   bool
	}{
		{"a", Field{Name: "a", Value: "1"}, true},
		{"b", Field{Name: "b", Null: true}, true},
		{"c", Field{}, false},
	}
	for _, tt := range tests {
		if got, ok := rec.Lookup(tt.name); got != tt.want || ok != tt.ok {
			t.Errorf("Lookup(%q) = %+v, %v", tt.name, got, ok)
		}
	}
}

func TestRowErrorText(t *testing.T) {
	pos := Position{File: "data.csv", Line: 12, Row: 10}
	tests := []struct {
		err  RowError
		want string
	}{
		{RowError{Pos: pos, Column: 7, Err: ErrFieldCount}, "data.csv:12:7: wrong number of fields"},
		{RowError{Pos: pos, Err: ErrSyntax}, "data.csv:12: invalid JSON"},
		{RowError{Pos: pos, Line: 14, Column: 3, Err: ErrQuote}, `data.csv:14:3: extraneous or missing " in quoted field (record starts at line 12)`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
		if !errors.Is(&tt.err, tt.err.Err) {
			t.Errorf("Unwrap lost %v", tt.err.Err)
		}
	}
	if s := pos.String(); s != "data.csv:12" {
		t.Errorf("Position.String() = %q", s)
	}
}
