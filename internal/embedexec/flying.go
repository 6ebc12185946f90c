package embedexec

import (
	"slices"
	"sync"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/readers"
)

// flights knows the rows handed to Send, which the state database does
// not hold yet (see Unclaim), by key, until its readers can see their
// results: the engine's duplicate-id check asks it (Flying) before the
// database. Memory: the rows in flight, and those answered in about the
// last two commits.
type flights struct {
	mu     sync.Mutex
	at     map[string]readers.Position
	landed []landing
}

// landing is a request whose rows' results are committed, or queued to be:
// visible reports when the database's readers see them.
type landing struct {
	rs      []request.Request
	visible func() bool
}

func (f *flights) add(row request.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.at == nil {
		f.at = map[string]readers.Position{}
	}
	f.at[row.Key] = row.Pos
}

func (f *flights) land(rs []request.Request, visible func() bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.landed = append(f.landed, landing{rs, visible})
}

// Flying returns, by key, the position of each row of batch that was
// handed to Send and whose result the state database's readers may not
// see yet. Asked before the database, a row is always found in one of the
// two: it leaves here only once its result is visible there. Cost: one
// lock and a map look-up a row.
func (e *Exec) Flying(batch []request.Request) map[string]string {
	f := &e.flights
	f.mu.Lock()
	defer f.mu.Unlock()
	f.landed = slices.DeleteFunc(f.landed, func(l landing) bool {
		if !l.visible() {
			return false
		}
		for _, p := range l.rs {
			delete(f.at, p.Key)
		}
		return true
	})
	var m map[string]string
	for _, row := range batch {
		if pos, ok := f.at[row.Key]; ok {
			if m == nil {
				m = map[string]string{}
			}
			m[row.Key] = pos.String()
		}
	}
	return m
}

// Unclaim returns claims, the rows the engine is about to store before
// sending send, without the claims of the rows of send the state database
// has never stored (stored has the keys it holds): their one write is
// their result, or, if their request is abandoned, the claim
// (Host.Abandon); until then Flying knows them. A row stored before,
// perhaps at another position, keeps its claim, which moves it to its
// position before any later position is routed.
func (e *Exec) Unclaim(claims []checkpoint.Row, send []request.Request, stored map[string]checkpoint.Stored) []checkpoint.Row {
	fresh := make(map[string]bool, len(send))
	for _, p := range send {
		if _, ok := stored[p.Key]; !ok {
			fresh[p.Key] = true
		}
	}
	return slices.DeleteFunc(claims, func(c checkpoint.Row) bool { return fresh[c.Key] })
}
