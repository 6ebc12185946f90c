package pace

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/internal/clock"
)

func TestPacerPauseHoldsEveryRequest(t *testing.T) {
	clk := newFakeClock()
	p := New("m", Config{Limits: Limits{RPM: 6000, TPM: 1e9}, Concurrency: 4}, clk)
	p.Pause(30 * time.Second)
	admitted := make(chan error, 1)
	go func() {
		permit, err := p.Admit(context.Background(), 10)
		if err == nil {
			p.Done(permit, time.Millisecond, nil, true)
		}
		admitted <- err
	}()
	clk.AwaitTimers(1) // the pause's timer
	select {
	case <-admitted:
		t.Fatal("admitted during the pause")
	default:
	}
	if d := p.PausedFor(); d != 30*time.Second {
		t.Errorf("PausedFor = %v, want 30s", d)
	}
	clk.Advance(30 * time.Second) // also fills the buckets
	if err := <-admitted; err != nil {
		t.Fatalf("Admit after the pause: %v", err)
	}
}

// admit is Admit on a fake clock: it moves the clock on whenever Admit
// waits for it (a bucket starts empty), until Admit returns.
func admit(p *Pacer, clk *clock.Fake, tokens int64) (*Permit, error) {
	type result struct {
		permit *Permit
		err    error
	}
	done := make(chan result, 1)
	go func() {
		permit, err := p.Admit(context.Background(), tokens)
		done <- result{permit, err}
	}()
	for {
		select {
		case r := <-done:
			return r.permit, r.err
		default:
		}
		if clk.Timers() > 0 {
			clk.Advance(10 * time.Millisecond)
		}
		runtime.Gosched()
	}
}

func TestPacerStallsOnlyAfterContinuousFailure(t *testing.T) {
	clk := newFakeClock()
	p := New("gpt-x", Config{Limits: Limits{RPM: 6000, TPM: 1e9}, Concurrency: 4}, clk)
	fail := func(ok bool) {
		permit, err := admit(p, clk, 1)
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set("x-ratelimit-remaining-requests", "0")
		h.Set("x-ratelimit-reset-requests", "90s")
		p.Done(permit, time.Millisecond, h, ok)
	}
	clk.Advance(time.Hour) // idle for an hour: not a stall
	if err := p.Stalled(time.Minute); err != nil {
		t.Fatalf("an idle model stalled: %v", err)
	}
	fail(false)
	clk.Advance(50 * time.Second)
	fail(true) // one success clears the failing streak
	fail(false)
	clk.Advance(59 * time.Second)
	if err := p.Stalled(time.Minute); err != nil {
		t.Fatalf("stalled after 59s of failures: %v", err)
	}
	clk.Advance(2 * time.Second)
	err := p.Stalled(time.Minute)
	var se *StallError
	if !errors.As(err, &se) || se.Model != "gpt-x" || se.Reset.IsZero() {
		t.Fatalf("Stalled = %v, want a StallError naming the model and the reset time", err)
	}
}

func TestPacerTooLarge(t *testing.T) {
	clk := newFakeClock()
	p := New("m", Config{Limits: Limits{RPM: 60, TPM: 100}, Concurrency: 1}, clk)
	_, err := admit(p, clk, 101)
	var tl *ErrTooLarge
	if !errors.As(err, &tl) {
		t.Fatalf("Admit of 101 tokens at 100 TPM: %v", err)
	}
	// The refused request gave its place in flight back.
	permit, err := admit(p, clk, 1)
	if err != nil {
		t.Fatal(err)
	}
	p.Done(permit, 0, nil, true)
}
