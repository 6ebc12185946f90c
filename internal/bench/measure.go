package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// simEvent is one request the simulator received, from its request log.
type simEvent struct {
	at       time.Time
	status   int
	admitted bool  // charged against the buckets (not refused before that)
	charge   int64 // the TPM charge, when admitted: the server's own count
	proc     int   // which process sent it (the "[p]" its prompt starts with)
}

// reqLog is the simulator's RequestLog: it parses each JSON line into a
// simEvent. The charge is the one the simulator logs (tpm_charge), not a
// recount: the server's count is what its limit is measured in.
type reqLog struct {
	mu     sync.Mutex
	events []simEvent
	bad    int
}

func newReqLog() *reqLog { return &reqLog{} }

type logLine struct {
	T         time.Time `json:"t"`
	Status    int       `json:"status"`
	TPMCharge int64     `json:"tpm_charge"`
	Body      struct {
		Messages []struct {
			Content string `json:"content"`
		} `json:"messages"`
	} `json:"body"`
}

// procOf returns the process a prompt came from: the number in the first
// "[p]" of its messages (0 when there is none).
func procOf(ln *logLine) int {
	for _, m := range ln.Body.Messages {
		_, rest, ok := strings.Cut(m.Content, "[")
		if !ok {
			continue
		}
		num, _, ok := strings.Cut(rest, "]")
		if p, err := strconv.Atoi(num); ok && err == nil {
			return p
		}
	}
	return 0
}

// Write takes whole lines, as the simulator writes them.
func (l *reqLog) Write(p []byte) (int, error) {
	var ln logLine
	if err := json.Unmarshal(p, &ln); err != nil {
		l.mu.Lock()
		l.bad++
		l.mu.Unlock()
		return len(p), nil
	}
	ev := simEvent{at: ln.T, status: ln.Status, proc: procOf(&ln)}
	switch ln.Status {
	case http.StatusTooManyRequests, http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotFound:
	default: // OK, injected faults (500/502/503/truncated 200), resets: all charged
		ev.admitted = true
		ev.charge = ln.TPMCharge
	}
	l.mu.Lock()
	l.events = append(l.events, ev)
	l.mu.Unlock()
	return len(p), nil
}

// dump writes every event as "seconds-since-start status charge" lines.
func (l *reqLog) dump(w io.Writer, start time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.events {
		if _, err := fmt.Fprintf(w, "%.4f\t%d\t%d\n", e.at.Sub(start).Seconds(), e.status, e.charge); err != nil {
			return err
		}
	}
	return nil
}

// window sums what the simulator admitted in [from, to).
type window struct {
	requests, admitted, tokens, limited int64
	dur                                 time.Duration
}

// window sums process proc's requests (-1: everyone's) in [from, to).
func (l *reqLog) window(from, to time.Time, proc int) window {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := window{dur: to.Sub(from)}
	for _, e := range l.events {
		if e.at.Before(from) || !e.at.Before(to) || (proc >= 0 && e.proc != proc) {
			continue
		}
		w.requests++
		if e.admitted {
			w.admitted++
			w.tokens += e.charge
		}
		if e.status == http.StatusTooManyRequests {
			w.limited++
		}
	}
	return w
}

// converged returns how long after from the admitted requests first ran
// at share of rpm or more over a whole slide window (-1: not before to).
func (l *reqLog) converged(from, to time.Time, rpm, share float64, slide time.Duration) time.Duration {
	need := rpm * share * slide.Minutes()
	for t := from; !t.Add(slide).After(to); t = t.Add(100 * time.Millisecond) {
		if w := l.window(t, t.Add(slide), -1); float64(w.admitted) >= need {
			return t.Sub(from)
		}
	}
	return -1
}

// worstSecond returns the largest number of requests admitted in any
// one-second window starting at an event in [from, to): how bursty we were.
func (l *reqLog) worstSecond(from, to time.Time) int {
	l.mu.Lock()
	var ts []time.Time
	for _, e := range l.events {
		if e.admitted && !e.at.Before(from) && e.at.Before(to) {
			ts = append(ts, e.at)
		}
	}
	l.mu.Unlock()
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	best, j := 0, 0
	for i := range ts {
		for ts[j].Add(time.Second).Before(ts[i]) || ts[j].Add(time.Second).Equal(ts[i]) {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// timing is an http.RoundTripper that records every attempt's latency.
type timing struct {
	next  http.RoundTripper
	mu    sync.Mutex
	lat   []time.Duration
	sends []time.Time
}

func (t *timing) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	t.mu.Lock()
	t.sends = append(t.sends, start)
	t.mu.Unlock()
	resp, err := t.next.RoundTrip(r)
	if err == nil {
		// The body is read by the caller; headers are what the client waits for.
		resp.Body = &timedBody{ReadCloser: resp.Body, done: func() { t.add(time.Since(start)) }}
	} else {
		t.add(time.Since(start))
	}
	return resp, err
}

func (t *timing) add(d time.Duration) {
	t.mu.Lock()
	t.lat = append(t.lat, d)
	t.mu.Unlock()
}

// quantiles returns the q-quantiles of the recorded latencies.
func (t *timing) quantiles(qs ...float64) []time.Duration {
	t.mu.Lock()
	lat := append([]time.Duration(nil), t.lat...)
	t.mu.Unlock()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	out := make([]time.Duration, len(qs))
	if len(lat) == 0 {
		return out
	}
	for i, q := range qs {
		out[i] = lat[min(len(lat)-1, int(q*float64(len(lat))))]
	}
	return out
}

// timedBody calls done once, when the body is closed.
type timedBody struct {
	io.ReadCloser
	once sync.Once
	done func()
}

func (b *timedBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.done)
	return err
}
