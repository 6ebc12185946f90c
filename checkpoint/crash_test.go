package checkpoint

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

const crashEnv = "CHECKPOINT_CRASH_HELPER_DB"

// TestCrashHelper is not a test on its own: run as a child process by
// TestKilledProcessKeepsCommits, it commits rows through a Committer, reports
// on stdout, and then waits to be killed without ever closing anything.
func TestCrashHelper(t *testing.T) {
	p := os.Getenv(crashEnv)
	if p == "" {
		t.Skip("helper process only")
	}
	ctx := context.Background()
	db, err := Open(ctx, p)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	// Batches of 10 and no timer: the first 100 rows are committed in ten
	// transactions, the last 3 are only queued.
	batches := make(chan int, 20)
	c := newCommitter(db, CommitterOptions{MaxRows: 10, After: neverFires}, func(n int) { batches <- n })
	for i := range 100 {
		if err := c.Add(ctx, okRow("k"+strconv.Itoa(i), int64(i))); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
	}
	committed := 0
	for committed < 100 {
		committed += <-batches
	}
	fmt.Println("committed", committed)
	// Queue rows that are never committed: they may or may not survive.
	for i := 100; i < 103; i++ {
		_ = c.Add(ctx, okRow("k"+strconv.Itoa(i), int64(i)))
	}
	fmt.Println("ready")
	select {} // wait for SIGKILL
}

func TestKilledProcessKeepsCommits(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	p := filepath.Join(t.TempDir(), "job.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$")
	cmd.Env = append(os.Environ(), crashEnv+"="+p)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if sc.Text() == "ready" {
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no Close, no deferred anything
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if len(lines) < 2 || lines[0] != "committed 100" {
		t.Fatalf("helper said %q", lines)
	}

	db, err := Open(context.Background(), p)
	if err != nil {
		t.Fatalf("open after kill: %v", err)
	}
	defer db.Close()
	done := doneMap(t, db)
	for i := range 100 {
		if _, ok := done["k"+strconv.Itoa(i)]; !ok {
			t.Errorf("row k%d committed before the kill is missing", i)
		}
	}
	var ic string
	if err := db.r.QueryRow("PRAGMA integrity_check").Scan(&ic); err != nil || ic != "ok" {
		t.Errorf("integrity_check = %q, %v", ic, err)
	}
}
