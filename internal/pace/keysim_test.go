package pace

import (
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/batchprompt/batchprompt/internal/clock"
)

// This file is a small event-driven model of an OpenAI-style server and
// of clients pacing with Limiters against it, all on a fake clock: the
// limiter tests run minutes of traffic in milliseconds, with nothing left
// to the machine's speed.

// keyBucket is one limit of the simulated key: a bucket holding seconds'
// worth of the per-minute limit, refilled continuously, drained by our
// requests (charged ratio × our count) and by a foreign load.
type keyBucket struct {
	limit, capacity, level, foreign float64
	last                            time.Time
}

func newKeyBucket(limit, seconds float64, now time.Time) *keyBucket {
	return &keyBucket{limit: limit, capacity: limit * seconds / 60, level: limit * seconds / 60, last: now}
}

func (b *keyBucket) refill(now time.Time) {
	dt := now.Sub(b.last).Minutes()
	b.last = now
	level := b.level + dt*(b.limit-b.foreign)
	if level < b.level {
		level = math.Max(level, math.Min(b.level, 0))
	}
	b.level = math.Min(b.capacity, level)
}

func (b *keyBucket) remaining() float64 {
	return math.Max(0, math.Floor(b.limit-(b.capacity-b.level)))
}

// keyServer is the simulated key: RPM and TPM buckets, a charge ratio,
// and a log of what it granted to each client.
type keyServer struct {
	req, tok *keyBucket
	ratio    float64 // the server's charge per token of our count
	bogus    int     // answer number that carries x-ratelimit-limit-tokens: 1
	answers  int
	granted  []keyGrant
	refused  int
}

type keyGrant struct {
	at     time.Time
	client int
	tokens float64 // the server's charge
}

// admit charges one request from client at now and returns the answer's
// headers and whether it was granted.
func (s *keyServer) admit(now time.Time, client int, tokens int64) (http.Header, bool) {
	s.req.refill(now)
	s.tok.refill(now)
	charge := s.ratio * float64(tokens)
	ok := s.req.level >= 1 && s.tok.level >= math.Min(charge, s.tok.capacity)
	h := http.Header{}
	if ok {
		s.req.level--
		s.tok.level -= charge
		s.granted = append(s.granted, keyGrant{now, client, charge})
	} else {
		s.refused++
		h.Set("retry-after-ms", "500")
	}
	s.answers++
	h.Set("x-ratelimit-limit-requests", strconv.FormatFloat(s.req.limit, 'f', -1, 64))
	h.Set("x-ratelimit-limit-tokens", strconv.FormatFloat(s.tok.limit, 'f', -1, 64))
	if s.answers == s.bogus {
		h.Set("x-ratelimit-limit-tokens", "1")
	}
	h.Set("x-ratelimit-remaining-requests", strconv.FormatFloat(s.req.remaining(), 'f', -1, 64))
	h.Set("x-ratelimit-remaining-tokens", strconv.FormatFloat(s.tok.remaining(), 'f', -1, 64))
	return h, ok
}

// used returns the share of the TPM and RPM limits granted to client (-1:
// everyone) in [from, to).
func (s *keyServer) used(client int, from, to time.Time) (tpm, rpm float64) {
	var tok, req float64
	for _, g := range s.granted {
		if (client < 0 || g.client == client) && !g.at.Before(from) && g.at.Before(to) {
			tok += g.tokens
			req++
		}
	}
	mins := to.Sub(from).Minutes()
	return tok / mins / s.tok.limit, req / mins / s.req.limit
}

// keyClient is one process on the key: a Limiter, its callers (each with
// one request at a time) and their latency.
type keyClient struct {
	lim     *Limiter
	callers int
	tokens  int64
	sizes   []int64       // if set, the requests' token counts in turn instead of tokens
	n       int           // requests asked for so far
	start   time.Duration // when the process starts, from the beginning
	stop    time.Duration // when it stops asking (0: never)
}

// keyEvent is a caller asking for a turn, a request arriving at the
// server, or an answer arriving at the client.
type keyEvent struct {
	at     time.Time
	kind   int // askEv, sendEv, answerEv
	client int
	tokens int64 // the request's, once asked
	sent   time.Time
	h      http.Header
	ok     bool
}

// next returns the token count of the client's next request.
func (c *keyClient) next() int64 {
	c.n++
	if len(c.sizes) == 0 {
		return c.tokens
	}
	return c.sizes[(c.n-1)%len(c.sizes)]
}

const (
	askEv = iota
	sendEv
	answerEv
)

// keyRun is one simulated run.
type keyRun struct {
	clk     *clock.Fake
	srv     *keyServer
	clients []*keyClient
	latency func(r *rand.Rand) time.Duration
	at      map[time.Duration]func() // changes made during the run (foreign load)
	trace   func(t time.Duration)    // called once a second of fake time, if set
}

// run plays the events for d of fake time.
func (k *keyRun) run(d time.Duration) {
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := k.clk.Now()
	var evs []keyEvent
	for i, c := range k.clients {
		for range c.callers {
			evs = append(evs, keyEvent{at: t0.Add(c.start), kind: askEv, client: i})
		}
	}
	var changes []time.Duration
	for t := range k.at {
		changes = append(changes, t)
	}
	for len(evs) > 0 {
		j := 0
		for i := range evs {
			if evs[i].at.Before(evs[j].at) {
				j = i
			}
		}
		ev := evs[j]
		evs = append(evs[:j], evs[j+1:]...)
		if ev.at.Sub(t0) >= d {
			continue
		}
		for i := 0; i < len(changes); i++ {
			if t0.Add(changes[i]).Before(ev.at) || t0.Add(changes[i]).Equal(ev.at) {
				k.clk.Advance(t0.Add(changes[i]).Sub(k.clk.Now()))
				k.srv.req.refill(k.clk.Now())
				k.srv.tok.refill(k.clk.Now())
				k.at[changes[i]]()
				changes = append(changes[:i], changes[i+1:]...)
				i--
			}
		}
		if k.trace != nil && ev.at.Sub(t0)/time.Second > k.clk.Now().Sub(t0)/time.Second {
			k.trace(ev.at.Sub(t0))
		}
		k.clk.Advance(ev.at.Sub(k.clk.Now()))
		c := k.clients[ev.client]
		switch ev.kind {
		case askEv:
			if c.stop > 0 && ev.at.Sub(t0) >= c.stop {
				continue
			}
			tokens := ev.tokens
			if tokens == 0 {
				tokens = c.next()
			}
			delay, _, hold, err := c.lim.admit(tokens)
			switch {
			case err != nil:
				panic(err)
			case hold != nil:
				wait := hold.timeout
				if hold.changed != nil {
					wait = 50 * time.Millisecond // the probe is out
				}
				evs = append(evs, keyEvent{at: ev.at.Add(wait), kind: askEv, client: ev.client, tokens: tokens})
			default:
				evs = append(evs, keyEvent{at: ev.at.Add(delay), kind: sendEv, client: ev.client, tokens: tokens})
			}
		case sendEv:
			c.lim.noteSent(ev.at, ev.tokens)
			h, ok := k.srv.admit(ev.at, ev.client, ev.tokens)
			evs = append(evs, keyEvent{at: ev.at.Add(k.latency(rng)), kind: answerEv, client: ev.client, tokens: ev.tokens, sent: ev.at, h: h, ok: ok})
		case answerEv:
			c.lim.ObserveRequest(ev.h, ev.sent, ev.tokens, ev.ok)
			next := keyEvent{at: ev.at, kind: askEv, client: ev.client}
			if !ev.ok {
				// The same request again, after the pause a 429 asks for.
				next.at, next.tokens = next.at.Add(500*time.Millisecond), ev.tokens
			}
			evs = append(evs, next)
		}
	}
	k.clk.Advance(t0.Add(d).Sub(k.clk.Now()))
}

// newKeyRun returns a run against a key of rpm and tpm whose server
// charges ratio × our count, with buckets of five seconds, clients
// learning the limits (2 % headroom) and latencies of 0.3–0.7 s.
func newKeyRun(rpm, tpm, ratio float64, clients ...*keyClient) *keyRun {
	clk := newFakeClock()
	for _, c := range clients {
		c.lim = NewLimiter(Limits{}, 0.02, clk)
	}
	return &keyRun{
		clk:     clk,
		srv:     &keyServer{req: newKeyBucket(rpm, 5, clk.Now()), tok: newKeyBucket(tpm, 5, clk.Now()), ratio: ratio},
		clients: clients,
		latency: func(r *rand.Rand) time.Duration {
			return 300*time.Millisecond + time.Duration(r.Int64N(int64(400*time.Millisecond)))
		},
		at: map[time.Duration]func(){},
	}
}
