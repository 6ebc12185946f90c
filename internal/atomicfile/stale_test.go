package atomicfile

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

func TestCleanStaleNames(t *testing.T) {
	requireLocks(t) // elsewhere only files an hour old go
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	files := []struct {
		name   string
		remove bool
	}{
		{".out.csv.tmp-123", true},
		{".out.csv.tmp-4294967295", true},
		{"out.csv", false},             // the published output itself
		{".out.csv.tmp-", false},       // no digits
		{".out.csv.tmp-12x", false},    // not what CreateTemp makes
		{".out.csv.tmp-12.bak", false}, // someone's copy
		{"out.csv.tmp-123", false},     // not hidden: not ours
		{".out.csv.gz.tmp-1", false},   // another output's temp file
		{".other.csv.tmp-1", false},    // another output's temp file
		{".out.csv.tmp-7.parquet", false},
	}
	var want []string
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if f.remove {
			want = append(want, filepath.Join(dir, f.name))
		}
	}
	removed, err := CleanStale(path)
	if err != nil {
		t.Fatalf("CleanStale: %v", err)
	}
	slices.Sort(removed)
	slices.Sort(want)
	if !slices.Equal(removed, want) {
		t.Errorf("removed %q, want %q", removed, want)
	}
	for _, f := range files {
		_, err := os.Stat(filepath.Join(dir, f.name))
		if exists := err == nil; exists == f.remove {
			t.Errorf("%s exists = %v after CleanStale", f.name, exists)
		}
	}
}

func TestCleanStaleMissingDir(t *testing.T) {
	removed, err := CleanStale(filepath.Join(t.TempDir(), "no-such-dir", "out.csv"))
	if err != nil || removed != nil {
		t.Fatalf("CleanStale in a missing directory = %q, %v; want nothing, nil", removed, err)
	}
}

// TestCleanStaleSparesLiveWrite runs CleanStale while a Write of the same
// path is in progress in this process: the writer's file must survive and
// be published.
func TestCleanStaleSparesLiveWrite(t *testing.T) {
	requireLocks(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "out.jsonl")
	var removed []string
	err := Write(path, func(w io.Writer) error {
		var err error
		removed, err = CleanStale(path)
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, "{}\n")
		return err
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if removed != nil {
		t.Errorf("CleanStale removed a live writer's file: %q", removed)
	}
	assertOnly(t, dir, "out.jsonl")
}

// TestCleanStaleAfterKill is the case the function exists for: a process
// is killed with SIGKILL in the middle of Write. While it lives its temp
// file is left alone; once it is dead the file goes, and the previous
// output is untouched.
func TestCleanStaleAfterKill(t *testing.T) {
	requireLocks(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$")
	cmd.Env = append(os.Environ(), "ATOMICFILE_HELPER_PATH="+path)
	stdin, err := cmd.StdinPipe() // never written: the helper blocks on it
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "writing\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper said %q, %v", line, err)
	}

	removed, err := CleanStale(path)
	if err != nil || removed != nil {
		t.Errorf("CleanStale beside a live writer in another process = %q, %v; want nothing", removed, err)
	}
	tmps, _ := filepath.Glob(filepath.Join(dir, ".out.csv.tmp-*"))
	if len(tmps) != 1 {
		t.Fatalf("temp files while the writer lives: %q, want one", tmps)
	}

	if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix
		t.Fatal(err)
	}
	_ = cmd.Wait()
	removed, err = CleanStale(path)
	if err != nil {
		t.Fatalf("CleanStale: %v", err)
	}
	if !slices.Equal(removed, tmps) {
		t.Errorf("removed %q, want %q", removed, tmps)
	}
	assertOnly(t, dir, "out.csv")
	if got, _ := os.ReadFile(path); string(got) != "old\n" {
		t.Errorf("output = %q, want the previous one", got)
	}
}

// TestHelperWriter is the process TestCleanStaleAfterKill kills: it starts
// a Write, says so, and waits inside it for a standard input that never
// comes.
func TestHelperWriter(t *testing.T) {
	path := os.Getenv("ATOMICFILE_HELPER_PATH")
	if path == "" {
		t.Skip("helper process for TestCleanStaleAfterKill")
	}
	_ = Write(path, func(w io.Writer) error {
		if _, err := io.WriteString(w, "partial"); err != nil {
			return err
		}
		os.Stdout.WriteString("writing\n")
		_, err := io.ReadAll(os.Stdin)
		return err
	})
}

func requireLocks(t *testing.T) {
	t.Helper()
	if !haveLocks {
		t.Skip("live writers are told apart by flock(2), which this system lacks")
	}
}
