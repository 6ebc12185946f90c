package checkpoint

import (
	"context"
	"reflect"
	"testing"
)

func TestMeta(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	if _, ok, err := db.Meta(ctx, "missing"); err != nil || ok {
		t.Fatalf("Meta(missing) ok=%v err=%v", ok, err)
	}
	steps := []struct{ key, value string }{
		{"input", "a.csv"},
		{"input", "b.csv"}, // overwrite
		{"empty", ""},      // empty value is still present
		{"run", "user"},    // does not collide with the internal run counter
	}
	for _, s := range steps {
		must(t, db.SetMeta(ctx, s.key, s.value))
		got, ok, err := db.Meta(ctx, s.key)
		if err != nil || !ok || got != s.value {
			t.Errorf("after SetMeta(%q,%q): Meta = %q %v %v", s.key, s.value, got, ok, err)
		}
	}
	if run, err := db.Run(ctx); err != nil || run != 0 {
		t.Errorf("Run = %d %v, want 0", run, err)
	}
}

func TestFingerprint(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	if fp, ok, err := db.Fingerprint(ctx); err != nil || ok || fp != nil {
		t.Fatalf("Fingerprint of new job = %v %v %v", fp, ok, err)
	}
	tests := []struct {
		name string
		in   map[string]string
		want map[string]string
	}{
		{"set", map[string]string{"model": "gpt-4o", "template": "abc"}, map[string]string{"model": "gpt-4o", "template": "abc"}},
		{"replace drops old keys", map[string]string{"model": "gpt-4o-mini"}, map[string]string{"model": "gpt-4o-mini"}},
		{"nil is empty but present", nil, map[string]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			must(t, db.SetFingerprint(ctx, tc.in))
			got, ok, err := db.Fingerprint(ctx)
			if err != nil || !ok || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Fingerprint = %v %v %v, want %v", got, ok, err, tc.want)
			}
		})
	}
}

func TestBeginRun(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	for want := int64(1); want <= 3; want++ {
		got, err := db.BeginRun(ctx)
		if err != nil || got != want {
			t.Fatalf("BeginRun = %d %v, want %d", got, err, want)
		}
		if cur, err := db.Run(ctx); err != nil || cur != want {
			t.Fatalf("Run = %d %v, want %d", cur, err, want)
		}
	}
}
