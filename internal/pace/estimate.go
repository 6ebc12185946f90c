package pace

import "math"

// Estimates are what a Limiter has inferred from the server's
// remaining-* headers and what it sent itself.
type Estimates struct {
	// ChargeRatio is the server's token charge per token of our count
	// (1.3: the server charges 30 % more than we count); 0 until known.
	ChargeRatio float64
	// Others is the use of the key by everyone else, per minute, in the
	// server's count; zero where none is seen (or cannot be: while the
	// server's bucket is full, others use less than is left).
	Others Limits
	// Share is the share of each limit (as in force, in our count) we
	// pace at now; 1 where the server reports no remaining.
	Share Limits
}

// Estimates returns what the limiter has inferred so far.
func (l *Limiter) Estimates() Estimates {
	l.mu.Lock()
	defer l.mu.Unlock()
	return Estimates{ChargeRatio: l.ratio, Others: l.others, Share: Limits{RPM: l.req.s * l.scale, TPM: l.tok.s * l.scale}}
}

// ratioGain is how much one fit moves the charge ratio: fits overlap (each
// covers the last shareWindow), so a small gain averages many windows.
const ratioGain = 0.05

// estimateLocked updates the charge ratio and others' use from the last
// fits. Requests are counted alike by everyone, so others' request rate
// is exact: the total less ours. Tokens are not: while nobody else sends
// requests, the total over ours is the charge ratio; while others do, the
// ratio learned before is kept and the rest of the total is theirs.
func (l *Limiter) estimateLocked() {
	othersReq := 0.0
	if l.req.fitted {
		othersReq = math.Max(0, l.req.total-l.req.oursFit)
		l.others.RPM = othersReq * l.trust.raw.RPM
	} else {
		l.others.RPM = 0
	}
	if !l.tok.fitted || l.tok.oursFit < 0.05 {
		if !l.tok.fitted {
			l.others.TPM = 0
		}
		return
	}
	if othersReq < 0.03 {
		k := math.Max(0.25, math.Min(4, l.tok.total/l.tok.oursFit))
		if l.ratio == 0 {
			l.ratio = k
		} else {
			l.ratio += (k - l.ratio) * ratioGain
		}
	}
	if l.ratio > 0 {
		l.others.TPM = math.Max(0, l.tok.total-l.ratio*l.tok.oursFit) * l.trust.raw.TPM
	}
}
