// Package dedupe keeps one run's requests by hash so that rows whose
// requests are byte-identical are sent once: the first becomes the
// leader and is sent, the others wait for its answer (followers) or, once
// it has one, copy it.
//
// It holds only what is in flight and what was answered too recently to
// be read back from the job's state database: an answer leaves the table
// once the database's committer has made it visible (see Prune), after
// which the caller finds it there by hash. Memory is therefore bounded by
// the requests in flight, the rows waiting on them, and about two
// commits' worth of answers, not by the size of the input.
package dedupe

import "sync"

// Verdict is what Claim decided for a row.
type Verdict int

const (
	// Lead: no other row has this request in flight or answered; the
	// caller sends it (or finds its answer elsewhere) and calls Resolve
	// or Drop.
	Lead Verdict = iota
	// Follow: another row's identical request is in flight; the row was
	// queued and comes back from that leader's Resolve or Drop.
	Follow
	// Copy: another row's identical request was answered; the answer is
	// returned.
	Copy
)

// Table is the run's requests by hash. F is what a follower keeps (the
// caller's row), A an answer. It is safe for concurrent use.
type Table[F, A any] struct {
	mu      sync.Mutex
	flights map[string]*flight[F, A]
	// answered lists the hashes of done flights in the order they were
	// answered, so Prune drops the oldest first.
	answered []string
}

type flight[F, A any] struct {
	followers []F
	done      bool
	answer    A
	ticket    uint64 // the committer's flush count when the answer was queued
}

// New returns an empty table.
func New[F, A any]() *Table[F, A] {
	return &Table[F, A]{flights: map[string]*flight[F, A]{}}
}

// Claim decides for row, whose request hashes to hash: Lead (the caller
// sends it), Follow (row is queued behind the leader) or Copy (answer is
// the leader's). Cost: one map look-up under a mutex.
func (t *Table[F, A]) Claim(hash string, row F) (v Verdict, answer A) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.flights[hash]
	switch {
	case !ok:
		t.flights[hash] = &flight[F, A]{}
		return Lead, answer
	case f.done:
		return Copy, f.answer
	default:
		f.followers = append(f.followers, row)
		return Follow, answer
	}
}

// Visible is the ticket of an answer that the database's readers will
// see by the next Prune (it is committed, or about to be, outside the
// committer): Prune drops it whatever the flush count.
const Visible = ^uint64(0)

// Resolve records the leader's answer for hash and returns the rows that
// followed it, which the caller answers with copies. ticket is the
// committer's flush count read after the leader's own row was queued for
// commit, or Visible: later claims copy the answer from here until Prune
// sees it committed.
func (t *Table[F, A]) Resolve(hash string, answer A, ticket uint64) []F {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.flights[hash]
	if !ok {
		f = &flight[F, A]{}
		t.flights[hash] = f
	}
	if f.done {
		return nil
	}
	followers := f.followers
	f.followers, f.done, f.answer, f.ticket = nil, true, answer, ticket
	t.answered = append(t.answered, hash)
	return followers
}

// Drop forgets hash without an answer (the leader failed, or will be
// retried by a later run) and returns its followers; a later claim of
// the same hash leads again.
func (t *Table[F, A]) Drop(hash string) []F {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.flights[hash]
	if !ok || f.done {
		return nil
	}
	delete(t.flights, hash)
	return f.followers
}

// Prune forgets the answers whose rows are committed by now: those queued
// when the committer's flush count was at most flushes-2 (a row queued at
// count k is committed once the count reaches k+2), and Visible ones. A later claim of a
// pruned hash leads, and the caller finds the answer in the database.
// Cost: proportional to the answers it drops.
func (t *Table[F, A]) Prune(flushes uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, h := range t.answered {
		f := t.flights[h]
		if f == nil || !f.done {
			n++
			continue
		}
		if f.ticket != Visible && f.ticket+2 > flushes {
			break
		}
		delete(t.flights, h)
		n++
	}
	t.answered = t.answered[n:]
}

// Len returns how many hashes the table holds (in flight or answered).
func (t *Table[F, A]) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.flights)
}
