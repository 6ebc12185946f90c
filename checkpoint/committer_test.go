package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// neverFires is an After that never fires: only MaxRows and Close commit.
func neverFires(time.Duration) <-chan time.Time { return nil }

func TestCommitterConcurrentExactlyOnce(t *testing.T) {
	const writers, perWriter = 8, 250
	ctx := context.Background()
	db := openTemp(t)
	c := NewCommitter(db, CommitterOptions{MaxRows: 37, MaxDelay: time.Millisecond})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				seq := int64(w*perWriter + i)
				if err := c.Add(ctx, okRow(fmt.Sprintf("w%d-%d", w, i), seq)); err != nil {
					t.Errorf("Add: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	must(t, c.Close(ctx))
	seen := map[int64]bool{}
	must(t, db.Rows(ctx, func(r Row) error {
		if seen[r.Seq] {
			t.Errorf("seq %d yielded twice", r.Seq)
		}
		seen[r.Seq] = true
		return nil
	}))
	if len(seen) != writers*perWriter {
		t.Errorf("%d rows stored, want %d", len(seen), writers*perWriter)
	}
}

func TestCommitterTriggers(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		maxRows int
		add     int
		fire    bool  // fire the injected MaxDelay timer after adding
		want    []int // batch sizes committed, in order, before Close
	}{
		{"MaxRows fills batches", 3, 7, false, []int{3, 3}},
		// One row only: with two, the tick could race the second row's receipt.
		{"MaxDelay commits a partial batch", 100, 1, true, []int{1}},
		{"nothing without a trigger", 100, 2, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openTemp(t)
			tick := make(chan time.Time, 1)
			armed := make(chan struct{}, 100)
			batches := make(chan int, 100)
			after := func(time.Duration) <-chan time.Time { armed <- struct{}{}; return tick }
			c := newCommitter(db, CommitterOptions{MaxRows: tc.maxRows, After: after}, func(n int) { batches <- n })
			for i := range tc.add {
				must(t, c.Add(ctx, okRow(fmt.Sprint(i), int64(i))))
			}
			if tc.fire {
				<-armed // the loop has the rows and armed the timer
				tick <- time.Now()
			}
			var got []int
			for range tc.want {
				got = append(got, <-batches)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("batches = %v, want %v", got, tc.want)
			}
			must(t, c.Close(ctx)) // commits the rest
			if n := len(doneMap(t, db)); n != tc.add {
				t.Errorf("%d rows stored, want %d", n, tc.add)
			}
		})
	}
}

func TestCommitterBlocksWhenFull(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	release := make(chan struct{})
	committing := make(chan struct{}, 1)
	c := newCommitter(db, CommitterOptions{MaxRows: 2, After: neverFires}, func(int) {
		committing <- struct{}{}
		<-release // hold the loop: the queue (capacity 2) fills up
	})
	for i := range 2 {
		must(t, c.Add(ctx, okRow(fmt.Sprint(i), int64(i))))
	}
	<-committing // loop is stuck after its first batch
	for i := 2; i < 4; i++ {
		must(t, c.Add(ctx, okRow(fmt.Sprint(i), int64(i))))
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := c.Add(cctx, okRow("x", 9)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Add on a full queue with a cancelled ctx = %v", err)
	}
	close(release)
	must(t, c.Close(ctx))
	if n := len(doneMap(t, db)); n != 4 {
		t.Errorf("%d rows stored, want 4", n)
	}
}

func TestCommitterClose(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	c := NewCommitter(db, CommitterOptions{After: neverFires})
	must(t, c.Add(ctx, okRow("a", 0)))
	must(t, c.Close(ctx)) // flushes
	must(t, c.Close(ctx)) // idempotent
	if n := len(doneMap(t, db)); n != 1 {
		t.Errorf("%d rows stored, want 1", n)
	}
	if err := c.Add(ctx, okRow("b", 1)); !errors.Is(err, ErrCommitterClosed) {
		t.Errorf("Add after Close = %v", err)
	}
	if err := c.Add(ctx, Row{Key: "bad"}); err == nil {
		t.Errorf("Add of an invalid row succeeded")
	}
}

func TestCommitterErrorIsSticky(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	batches := make(chan int, 10)
	c := newCommitter(db, CommitterOptions{MaxRows: 1, After: neverFires}, func(n int) { batches <- n })
	must(t, c.Add(ctx, okRow("a", 0)))
	<-batches           // a is committed
	must(t, db.Close()) // every later commit fails
	must(t, c.Add(ctx, okRow("b", 1)))
	err := c.Close(ctx)
	if err == nil {
		t.Fatal("Close after the database closed succeeded")
	}
	if err2 := c.Add(ctx, okRow("c", 2)); err2 == nil || err2.Error() != err.Error() {
		t.Errorf("Add after a commit error = %v, want the first error %v", err2, err)
	}
	if err3 := c.Close(ctx); err3 == nil || err3.Error() != err.Error() {
		t.Errorf("Close again = %v, want %v", err3, err)
	}
	if len(batches) != 0 {
		t.Errorf("%d more batches committed after the database closed", len(batches))
	}
}

func TestCommitterRearmsAfterTimedFlush(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	tick := make(chan time.Time, 1)
	armed := make(chan struct{}, 10)
	batches := make(chan int, 10)
	after := func(time.Duration) <-chan time.Time { armed <- struct{}{}; return tick }
	c := newCommitter(db, CommitterOptions{After: after}, func(n int) { batches <- n })
	for i := range 3 {
		must(t, c.Add(ctx, okRow(fmt.Sprint(i), int64(i))))
		<-armed
		tick <- time.Now()
		if n := <-batches; n != 1 {
			t.Fatalf("timed batch %d has %d rows, want 1", i, n)
		}
	}
	must(t, c.Close(ctx))
	if n := len(doneMap(t, db)); n != 3 {
		t.Errorf("%d rows stored, want 3", n)
	}
}
