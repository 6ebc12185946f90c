package jobstate

import (
	"context"
	"path/filepath"
	"testing"
)

// TestRecordOutcome: status reads back what a run recorded, outputs as
// absolute paths, and estimate the limits it learned.
func TestRecordOutcome(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Chdir(dir)
	s := openJob(t, filepath.Join(dir, "state.db"))
	o := Outcome{Outputs: []string{"out.csv"}, Input: "in.csv", Rows: 10, Stop: "stalled", ReadAll: true,
		Keep: []string{"lang"}, Limits: map[string]Limits{"gpt-4o-mini": {RPM: 490, TPM: 196000}}}
	if err := RecordOutcome(ctx, s.DB, o); err != nil {
		t.Fatal(err)
	}
	st, err := ReadStatus(ctx, s.DB)
	if err != nil {
		t.Fatal(err)
	}
	if st.LastStop != "stalled" || st.Complete || *st.RowsTotal != 10 || st.Outputs[0] != filepath.Join(dir, "out.csv") {
		t.Fatalf("status %+v", st)
	}
	if l, ok := StoredLimits(ctx, s.DB, "gpt-4o-mini"); !ok || l != (Limits{RPM: 490, TPM: 196000}) {
		t.Fatalf("StoredLimits = %+v, %v", l, ok)
	}
	if _, ok := StoredLimits(ctx, s.DB, "o3"); ok {
		t.Fatal("limits of a model the run never used")
	}
	if l, ok := LimitsAt(ctx, filepath.Join(dir, "state.db"), "gpt-4o-mini"); !ok || l.RPM != 490 {
		t.Fatalf("LimitsAt = %+v, %v", l, ok)
	}
	if _, ok := LimitsAt(ctx, filepath.Join(dir, "none.db"), "gpt-4o-mini"); ok {
		t.Fatal("limits from a database that does not exist")
	}
}
