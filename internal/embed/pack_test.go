package embed

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// packAll feeds rows through a Packer and returns each request's row
// count, checking that rows come out in order and nothing is lost.
func packAll(t *testing.T, l Limits, rows []Row) []int {
	t.Helper()
	p, err := NewPacker(l)
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	var next int64
	check := func(r *Request) {
		if r == nil {
			return
		}
		sum := 0
		for _, row := range r.Rows {
			if row.Seq != next {
				t.Fatalf("row %d came out as row %d", row.Seq, next)
			}
			next++
			sum += row.Tokens
		}
		if sum != r.Tokens {
			t.Fatalf("request says %d tokens, rows sum to %d", r.Tokens, sum)
		}
		sizes = append(sizes, len(r.Rows))
	}
	for _, r := range rows {
		done, err := p.Add(r)
		if err != nil {
			t.Fatal(err)
		}
		check(done)
	}
	check(p.Flush())
	if p.Flush() != nil {
		t.Fatal("second Flush returned a request")
	}
	if next != int64(len(rows)) {
		t.Fatalf("%d of %d rows came out", next, len(rows))
	}
	return sizes
}

func rowsOf(n, tokens int) []Row {
	rows := make([]Row, n)
	for i := range rows {
		rows[i] = Row{Seq: int64(i), ID: fmt.Sprint("r", i), Text: "x", Tokens: tokens}
	}
	return rows
}

func TestPackerGroups(t *testing.T) {
	mixed := append(rowsOf(3, 100), Row{Text: "y", Tokens: 1})
	for i := range mixed {
		mixed[i].Seq = int64(i)
	}
	tests := []struct {
		name string
		lim  Limits
		rows []Row
		want []int
	}{
		{"none", Limits{}, nil, nil},
		{"one", Limits{}, rowsOf(1, 5), []int{1}},
		{"input cap", Limits{}, rowsOf(2049, 1), []int{2048, 1}},
		{"exactly full", Limits{}, rowsOf(4096, 1), []int{2048, 2048}},
		// 36 × 8192 = 294,912 fits under 300,000; a 37th would not.
		{"token cap", Limits{}, rowsOf(40, 8192), []int{36, 4}},
		{"tokens summing to the cap exactly", Limits{MaxTokens: 300}, rowsOf(5, 75), []int{4, 1}},
		{"a row that would cross the cap starts the next", Limits{MaxTokens: 250}, mixed, []int{2, 2}},
		{"--embed-batch 3", Limits{MaxInputs: 3}, rowsOf(7, 10), []int{3, 3, 1}},
		{"--embed-batch 1", Limits{MaxInputs: 1}, rowsOf(3, 10), []int{1, 1, 1}},
		{"smaller token cap", Limits{MaxTokens: 25}, rowsOf(7, 10), []int{2, 2, 2, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := packAll(t, tc.lim, tc.rows)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("request sizes %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPackerRefusesRows(t *testing.T) {
	tests := []struct {
		name string
		lim  Limits
		row  Row
		want error
		msg  string
	}{
		{"empty", Limits{}, Row{ID: "a", Text: "", Tokens: 0}, ErrEmptyInput, `row "a"`},
		{"over the input limit", Limits{}, Row{ID: "b", Text: "x", Tokens: 8193}, ErrInputTooLong, "8193 tokens, limit 8192"},
		{"over a smaller request cap", Limits{MaxTokens: 100}, Row{ID: "c", Text: "x", Tokens: 101}, ErrInputTooLong, "limit 100"},
		{"negative count", Limits{}, Row{ID: "d", Text: "x", Tokens: -1}, nil, "negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewPacker(tc.lim)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Add(Row{ID: "ok", Text: "fine", Tokens: 1}); err != nil {
				t.Fatal(err)
			}
			done, err := p.Add(tc.row)
			if err == nil || done != nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("Add = %v, %v; want an error wrapping %v saying %q", done, err, tc.want, tc.msg)
			}
			// The refused row left the open request as it was.
			if r := p.Flush(); r == nil || len(r.Rows) != 1 || r.Rows[0].ID != "ok" || r.Tokens != 1 {
				t.Fatalf("after a refused row, Flush = %+v", r)
			}
		})
	}
}

func TestNewPackerLimits(t *testing.T) {
	for _, l := range []Limits{{MaxInputs: -1}, {MaxInputs: 2049}, {MaxTokens: -1}, {MaxTokens: 300_001}} {
		if _, err := NewPacker(l); err == nil {
			t.Errorf("NewPacker(%+v) accepted", l)
		}
	}
	for _, l := range []Limits{{}, {MaxInputs: 2048, MaxTokens: 300_000}, {MaxInputs: 1, MaxTokens: 1}} {
		if _, err := NewPacker(l); err != nil {
			t.Errorf("NewPacker(%+v): %v", l, err)
		}
	}
}

// Requests handed out are the caller's: packing more rows must not change them.
func TestPackerRequestsAreIndependent(t *testing.T) {
	p, _ := NewPacker(Limits{MaxInputs: 2})
	var got []*Request
	for _, r := range rowsOf(5, 1) {
		if done, _ := p.Add(r); done != nil {
			got = append(got, done)
		}
	}
	got = append(got, p.Flush())
	var ids []string
	for _, r := range got {
		ids = append(ids, strings.Join(idsOf(r), ","))
	}
	if s := strings.Join(ids, " | "); s != "r0,r1 | r2,r3 | r4" {
		t.Errorf("requests %s", s)
	}
}

func idsOf(r *Request) []string {
	var out []string
	for _, row := range r.Rows {
		out = append(out, row.ID)
	}
	return out
}
