package jobstate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDescribe: validate's state line, without creating the database.
func TestDescribe(t *testing.T) {
	dir := t.TempDir()
	job := partialJob(t, dir, nil)
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o644)
	changed := fingerprint(`{"temperature":0.5}`)
	tests := []struct {
		name     string
		path     string
		fp       map[string]string
		restart  bool
		want     string // in the line, or in the error when mismatch
		mismatch bool
	}{
		{"new", filepath.Join(dir, "new.db"), fingerprint(`{}`), false, "(new: the first run creates it)", false},
		{"same job", job, fingerprint(`{}`), false, "(exists, same job: run resumes it)", false},
		{"empty", empty, fingerprint(`{}`), false, "(exists, empty)", false},
		{"restart", job, changed, true, "--restart moves it aside", false},
		{"another job", job, changed, false, "temperature (none) → 0.5", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			line, err := Describe(context.Background(), tc.path, tc.fp, tc.restart)
			var me *MismatchError
			if tc.mismatch != errors.As(err, &me) || (err != nil && !tc.mismatch) {
				t.Fatalf("err = %v", err)
			}
			got := line
			if err != nil {
				got = err.Error()
			}
			if !strings.Contains(got, tc.want) || !strings.HasPrefix(line, tc.path) {
				t.Fatalf("line %q, err %v; want %q", line, err, tc.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "new.db")); !errors.Is(err, os.ErrNotExist) {
		t.Error("Describe created a database")
	}
	if _, err := Describe(context.Background(), "", nil, false); err == nil {
		t.Error("no path: no error")
	}
}
