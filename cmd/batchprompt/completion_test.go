package main

import (
	"strings"
	"testing"
)

func TestCompletion(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string // in stdout for code 0, in stderr otherwise
	}{
		{[]string{"completion", "bash"}, 0, "__start_batchprompt"},
		{[]string{"completion", "zsh"}, 0, "#compdef batchprompt"},
		{[]string{"completion", "fish"}, 0, "complete -c batchprompt"},
		{[]string{"completion", "powershell"}, 2, `invalid argument "powershell"`},
		{[]string{"completion"}, 2, "accepts 1 arg"},
		{[]string{"completion", "bash", "zsh"}, 2, "accepts 1 arg"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, log := execSub(t, nil, tc.args...)
			got := out
			if tc.code != 0 {
				got = log
			}
			if code != tc.code || !strings.Contains(got, tc.want) {
				t.Fatalf("exit %d (want %d), lacks %q:\n%s%s", code, tc.code, tc.want, out, log)
			}
		})
	}
}

// TestCompletionOffersCommands asks cobra's completion machinery, as a
// shell would, what follows "batchprompt st" and "batchprompt export --".
func TestCompletionOffersCommands(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "st"}, []string{"status"}},
		{[]string{"__complete", "export", "--pa"}, []string{"--partial"}},
		{[]string{"__complete", "completion", ""}, []string{"bash", "zsh", "fish"}},
	}
	for _, tc := range tests {
		_, out, log := execSub(t, nil, tc.args...)
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: lacks %q:\n%s%s", tc.args, w, out, log)
			}
		}
	}
}

// TestHelpTeachesByExample: every command of this file's siblings shows
// examples in its help.
func TestHelpTeachesByExample(t *testing.T) {
	for _, c := range []string{"status", "export", "validate", "completion"} {
		code, out, log := execSub(t, nil, c, "--help")
		if code != 0 || !strings.Contains(out, "Examples:") || !strings.Contains(out, "batchprompt "+c) {
			t.Errorf("%s --help: exit %d, no examples:\n%s%s", c, code, out, log)
		}
	}
}
