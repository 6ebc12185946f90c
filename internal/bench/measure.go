package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/batchprompt/batchprompt/budget"
)

// simEvent is one request the simulator received, from its request log.
type simEvent struct {
	at       time.Time
	status   int
	admitted bool  // charged against the buckets (not refused before that)
	charge   int64 // the TPM charge, when admitted
}

// reqLog is the simulator's RequestLog: it parses each JSON line into a
// simEvent, computing the charge with the same rule the simulator uses.
type reqLog struct {
	mu      sync.Mutex
	counter *budget.Counter
	events  []simEvent
	bad     int
}

func newReqLog() *reqLog { return &reqLog{counter: budget.NewCounter()} }

type logLine struct {
	T      time.Time `json:"t"`
	Status int       `json:"status"`
	Body   struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
			Name    string `json:"name"`
		} `json:"messages"`
		MaxTokens           int64 `json:"max_tokens"`
		MaxCompletionTokens int64 `json:"max_completion_tokens"`
	} `json:"body"`
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
	ev := simEvent{at: ln.T, status: ln.Status}
	switch ln.Status {
	case http.StatusTooManyRequests, http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotFound:
	default: // OK, injected faults (500/502/503/truncated 200), resets: all charged
		ev.admitted = true
		msgs := make([]budget.Message, len(ln.Body.Messages))
		for i, m := range ln.Body.Messages {
			msgs[i] = budget.Message{Role: m.Role, Content: m.Content, Name: m.Name}
		}
		ev.charge = budget.TPMCharge(int64(l.counter.Chat(ln.Body.Model, msgs)), max(ln.Body.MaxTokens, ln.Body.MaxCompletionTokens))
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

func (l *reqLog) window(from, to time.Time) window {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := window{dur: to.Sub(from)}
	for _, e := range l.events {
		if e.at.Before(from) || !e.at.Before(to) {
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
