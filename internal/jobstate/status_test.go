package jobstate

import (
	"context"
	"strconv"
	"testing"
)

// TestStatusJudge is the definition of "complete" and "missing", case by
// case: what was recorded, what the rows say.
func TestStatusJudge(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	tests := []struct {
		name              string
		st                Status // Run, Rows, Pending, RowsTotal
		complete, rows    string // recorded meta; "" for absent
		wantComplete      bool
		wantMissing       *int64
		wantTotal         *int64
		wantRecordedState bool
	}{
		{"not started", Status{}, "", "", false, nil, nil, false},
		{"recorded complete", Status{Run: 1, Rows: 5}, "true", "5", true, n(0), n(5), true},
		{"recorded complete, a later run killed with fewer rows", Status{Run: 2, Rows: 3}, "true", "5", false, nil, nil, true},
		{"recorded complete but rows pending", Status{Run: 1, Rows: 5, Pending: 1}, "true", "5", false, nil, nil, true},
		{"recorded not complete, total known", Status{Run: 1, Rows: 10, Pending: 3, RowsTotal: n(25)}, "false", "10", false, n(18), n(25), true},
		{"nothing recorded, no pending", Status{Run: 1, Rows: 5}, "", "", true, n(0), nil, false},
		{"nothing recorded, pending", Status{Run: 1, Rows: 5, Pending: 2}, "", "", false, nil, nil, false},
		{"nothing recorded, total not reached", Status{Run: 1, Rows: 5, RowsTotal: n(8)}, "", "", false, n(3), n(8), false},
		{"nothing recorded, no rows", Status{Run: 1}, "", "", false, nil, nil, false},
		{"malformed outcome", Status{Run: 1, Rows: 5}, "yes", "x", true, n(0), nil, false},
	}
	str := func(p *int64) string {
		if p == nil {
			return "nil"
		}
		return strconv.FormatInt(*p, 10)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.st
			st.judge(tc.complete, tc.rows)
			if st.Complete != tc.wantComplete || str(st.Missing) != str(tc.wantMissing) ||
				str(st.RowsTotal) != str(tc.wantTotal) || st.CompleteRecorded != tc.wantRecordedState {
				t.Fatalf("complete %v missing %s total %s recorded %v; want %v %s %s %v", st.Complete, str(st.Missing), str(st.RowsTotal),
					st.CompleteRecorded, tc.wantComplete, str(tc.wantMissing), str(tc.wantTotal), tc.wantRecordedState)
			}
		})
	}
}

// TestReadStatus reads what a run wrote: rows, tokens, cost, the job's
// identity and the recorded outcome.
func TestReadStatus(t *testing.T) {
	ctx := context.Background()
	path := partialJob(t, t.TempDir(), map[string]string{MetaTotal: "12", MetaOutputs: `["/data/out.jsonl"]`, MetaStop: "interrupted"})
	db, err := OpenExisting(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := ReadStatus(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	got := []any{st.Run, st.Rows, st.OK, st.Failed, st.Pending, *st.Missing, st.Complete, st.LastStop, st.Model,
		st.Template, st.TemplateLines, st.IDColumn, st.Keep, st.Outputs, st.PromptTokens, st.UnknownCostRows}
	want := []any{int64(1), int64(10), int64(6), int64(1), int64(3), int64(5), false, "interrupted", "gpt-4o-mini",
		"Say {{.text}}", 2, "id", []string{"lang"}, []string{"/data/out.jsonl"}, int64(70), int64(0)}
	for i := range want {
		if g, w := fmtAny(got[i]), fmtAny(want[i]); g != w {
			t.Errorf("field %d = %s, want %s", i, g, w)
		}
	}
	if st.MissingText(itoa) != "5 rows missing (3 pending, 2 not yet read)" {
		t.Errorf("MissingText = %q", st.MissingText(itoa))
	}
}
