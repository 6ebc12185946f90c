package jobstate

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenMismatchSaysWhatChanged: a resume refused for a changed job names
// each difference with its old and new value (issue 13 item 18), down to
// the parameter inside the stored params.
func TestOpenMismatchSaysWhatChanged(t *testing.T) {
	tests := []struct {
		name   string
		change func(fp map[string]string)
		want   []string // in the message
		names  []string // MismatchError.Changed
	}{
		{"temperature", func(fp map[string]string) { fp["params"] = `{"temperature":0.5}` },
			[]string{"different temperature 0 → 0.5;"}, []string{"temperature"}},
		{"a parameter added and one dropped", func(fp map[string]string) { fp["params"] = `{"seed":7}` },
			[]string{"seed (none) → 7", "temperature 0 → (none)"}, []string{"seed", "temperature"}},
		{"stop sequences", func(fp map[string]string) { fp["params"] = `{"stop":["x"],"temperature":0}` },
			[]string{`stop (none) → ["x"]`}, []string{"stop"}},
		{"model", func(fp map[string]string) { fp["model"] = "gpt-4o" },
			[]string{"model gpt-4o-mini → gpt-4o"}, []string{"model"}},
		{"template, quoted and cut", func(fp map[string]string) {
			fp["template"] = "Summarise {{.text}} in one short sentence for a busy reader"
		},
			[]string{`template "Say {{.text}}"… → "Summarise {{.text}} in one short sentenc"…`}, []string{"template"}},
		{"two keys", func(fp map[string]string) { fp["id_column"], fp["model"] = "", "o3" },
			[]string{"id column id → (none), model gpt-4o-mini → o3"}, []string{"id column", "model"}},
		{"params not an object", func(fp map[string]string) { fp["params"] = `[1]` },
			[]string{"params {\"temperature\":0} → [1]"}, []string{"params"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "state.db")
			s, err := Open(ctx, Config{Path: path, Fingerprint: fingerprint(`{"temperature":0}`)})
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			fp := fingerprint(`{"temperature":0}`)
			tc.change(fp)
			_, err = Open(ctx, Config{Path: path, Fingerprint: fp})
			var me *MismatchError
			if !IsConfig(err) || !errors.As(err, &me) {
				t.Fatalf("err = %v, want a config error holding a *MismatchError", err)
			}
			for _, w := range append(tc.want, path, "--restart") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message lacks %q:\n%v", w, err)
				}
			}
			if got := strings.Join(me.Changed, ","); got != strings.Join(tc.names, ",") {
				t.Errorf("Changed = %s, want %s", got, strings.Join(tc.names, ","))
			}
		})
	}
}

// TestMismatchErrorWithoutDiffs: an error built with names only (as
// callers did before values were known) still reads well.
func TestMismatchErrorWithoutDiffs(t *testing.T) {
	err := &MismatchError{State: "s.db", Changed: []string{"model", "template"}}
	if !strings.Contains(err.Error(), "s.db belongs to a job with a different model, template;") {
		t.Fatal(err)
	}
}

// TestOpenBeginsARun: each open is a new run of the same job, marked not
// complete until it records otherwise; the keep columns of a new job are
// recorded as they are.
func TestOpenBeginsARun(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	for want := int64(1); want <= 2; want++ {
		s := openJob(t, path)
		if s.RunID != want || s.RefreshKept {
			t.Fatalf("run %d: RunID %d, RefreshKept %v", want, s.RunID, s.RefreshKept)
		}
		if v, _, _ := s.DB.Meta(ctx, MetaComplete); v != "false" {
			t.Fatalf("complete = %q during a run", v)
		}
		if err := RecordOutcome(ctx, s.DB, Outcome{Complete: true, Stop: "completed", ReadAll: true, Keep: []string{"lang"}}); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
}

// TestOpenKeepChange: a changed --keep makes the run refresh reused rows'
// kept values; until a run reads its input to the end, the stored rows'
// columns are unknown and outputs cannot be written from them.
func TestOpenKeepChange(t *testing.T) {
	ctx := context.Background()
	path := partialJob(t, t.TempDir(), nil)
	s, err := Open(ctx, Config{Path: path, Fingerprint: fingerprint(`{}`), Keep: []string{"lang", "topic"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.RefreshKept {
		t.Fatal("a changed --keep does not refresh the kept columns")
	}
	if _, err := KeptColumns(ctx, s.DB); err == nil || !strings.Contains(err.Error(), "rerun the job") {
		t.Fatalf("KeptColumns mid-change: err = %v", err)
	}
	if err := RecordOutcome(ctx, s.DB, Outcome{Rows: 10, Stop: "completed", ReadAll: true, Keep: []string{"lang", "topic"}}); err != nil {
		t.Fatal(err)
	}
	if keep, err := KeptColumns(ctx, s.DB); err != nil || strings.Join(keep, ",") != "lang,topic" {
		t.Fatalf("KeptColumns after the run = %v, %v", keep, err)
	}
}
