//go:build unix

package main

import (
	"context"
	"syscall"
	"testing"

	"github.com/batchprompt/batchprompt/pipeline"
)

// The first SIGINT stops taking rows; the second sets off Options.Abandon
// so the run saves what arrived and gives up the rest (issue 13, item 3),
// where it used to os.Exit and lose the answers received. Not parallel:
// the signals go to this whole test process.
func TestSecondSignalAbandonsInsteadOfExiting(t *testing.T) {
	var opt pipeline.Options
	ctx, stop := watchSignals(context.Background(), &opt)
	defer stop()
	if opt.Abandon == nil {
		t.Fatal("watchSignals set no Options.Abandon")
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	<-ctx.Done()
	select {
	case <-opt.Abandon:
		t.Fatal("the first signal abandoned the requests in flight")
	default:
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	<-opt.Abandon // the process is still here: it did not exit
}
