package clock

import (
	"context"
	"testing"
	"time"
)

func TestFakeFiresInDeadlineOrder(t *testing.T) {
	start := time.Unix(1000, 0)
	f := NewFake(start)
	late, early := f.NewTimer(3*time.Second), f.NewTimer(time.Second)
	f.Advance(500 * time.Millisecond)
	select {
	case <-early.C():
		t.Fatal("fired before its deadline")
	default:
	}
	f.Advance(time.Second)
	if got := <-early.C(); !got.Equal(start.Add(time.Second)) {
		t.Errorf("early fired at %v", got)
	}
	if f.Timers() != 1 {
		t.Errorf("%d timers waiting, want 1", f.Timers())
	}
	if !late.Stop() || late.Stop() {
		t.Error("Stop should report true once, then false")
	}
	f.Advance(time.Hour)
	select {
	case <-late.C():
		t.Fatal("a stopped timer fired")
	default:
	}
}

func TestSleepAndWait(t *testing.T) {
	f := NewFake(time.Unix(0, 0))
	done := make(chan bool)
	go func() { done <- Sleep(context.Background(), f, time.Minute) }()
	f.AwaitTimers(1)
	f.Advance(time.Minute)
	if !<-done {
		t.Error("Sleep reported an interruption")
	}

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() { errc <- Wait(ctx, f, nil, -1) }()
	cancel()
	if err := <-errc; err != context.Canceled {
		t.Errorf("Wait after cancel: %v", err)
	}

	ch := make(chan struct{})
	go func() { errc <- Wait(context.Background(), f, ch, time.Hour) }()
	f.AwaitTimers(1)
	close(ch)
	if err := <-errc; err != nil {
		t.Errorf("Wait on a closed channel: %v", err)
	}
	if Sleep(context.Background(), f, 0) != true {
		t.Error("Sleep(0) should return true at once")
	}
}
