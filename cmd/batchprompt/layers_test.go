package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func newRunFlagSet() (*runFlags, *pflag.FlagSet) {
	var f runFlags
	fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
	f.register(fs)
	return &f, fs
}

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	job := filepath.Join(dir, "job.yaml")
	os.WriteFile(job, []byte("model: from-file\nbase_url: http://file/v1\nconcurrency: 7\nmax_tokens: 50\ninput: data/in.csv\noutput: [out/a.csv, /abs/b.jsonl]\n"), 0o644)
	tests := []struct {
		name  string
		args  []string
		env   mapEnv
		model string
		base  string
		conc  int
	}{
		{"job file over defaults", nil, mapEnv{}, "from-file", "http://file/v1", 7},
		{"job file over OPENAI_*", nil, mapEnv{"OPENAI_BASE_URL": "http://openai-env/v1"}, "from-file", "http://file/v1", 7},
		{"BATCHPROMPT_* over job file", nil, mapEnv{"BATCHPROMPT_MODEL": "from-env", "BATCHPROMPT_CONCURRENCY": "9"}, "from-env", "http://file/v1", 9},
		{"flags over everything", []string{"--model", "from-flag"}, mapEnv{"BATCHPROMPT_MODEL": "from-env"}, "from-flag", "http://file/v1", 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, fs := newRunFlagSet()
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			jf, err := readJobFile(job, fs)
			if err != nil {
				t.Fatal(err)
			}
			if err := applyLayers(fs, jf, tc.env); err != nil {
				t.Fatal(err)
			}
			if f.model != tc.model || f.baseURL != tc.base || f.concurrency != tc.conc {
				t.Fatalf("model %q base %q concurrency %d", f.model, f.baseURL, f.concurrency)
			}
			if f.input != filepath.Join(dir, "data/in.csv") || f.outputs[0] != filepath.Join(dir, "out/a.csv") || f.outputs[1] != "/abs/b.jsonl" {
				t.Fatalf("paths not resolved against the job file: %q %q", f.input, f.outputs)
			}
		})
	}
	// Without a job file, OPENAI_* beats the default.
	f, fs := newRunFlagSet()
	fs.Parse(nil)
	applyLayers(fs, nil, mapEnv{"OPENAI_BASE_URL": "http://openai-env/v1"})
	if f.baseURL != "http://openai-env/v1" {
		t.Fatalf("base %q", f.baseURL)
	}
}

func TestJobFileErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"unknown key", "model: x\ntemprature: 0\n", `job.yaml:2:1: unknown key "temprature" (did you mean "temperature"?)`},
		{"api key", "api_key: sk-123\n", "does not belong in a job file"},
		{"bad value", "max_tokens: lots\n", "job.yaml:1:13: max_tokens"},
		{"not a mapping", "- a\n- b\n", "mapping"},
		{"twice", "model: a\nmodel: b\n", "set twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			job := filepath.Join(t.TempDir(), "job.yaml")
			os.WriteFile(job, []byte(tc.yaml), 0o644)
			_, fs := newRunFlagSet()
			jf, err := readJobFile(job, fs)
			if err == nil {
				err = applyLayers(fs, jf, mapEnv{})
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "sk-123") {
				t.Fatal("the key was echoed")
			}
		})
	}
}

func TestDefaultState(t *testing.T) {
	tests := []struct {
		job     string
		outputs []string
		want    string
	}{
		{"jobs/nightly.yaml", []string{"out/x.csv"}, "jobs/nightly.state.db"},
		{"", []string{"out/results.csv", "out/results.jsonl"}, "out/results.state.db"},
		{"", []string{"reviews.jsonl.gz"}, "reviews.state.db"},
	}
	for _, tc := range tests {
		if got := defaultState(tc.job, tc.outputs); got != tc.want {
			t.Errorf("defaultState(%q, %q) = %q, want %q", tc.job, tc.outputs, got, tc.want)
		}
	}
}
