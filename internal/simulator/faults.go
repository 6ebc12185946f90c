package simulator

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"time"
)

// faultKind names an injected fault; "" is none.
type faultKind string

const (
	faultNone      faultKind = ""
	fault500       faultKind = "err500"
	fault502HTML   faultKind = "err502html"
	fault503       faultKind = "err503"
	faultReset     faultKind = "reset"
	faultHang      faultKind = "hang"
	faultTruncated faultKind = "truncated"
)

// unitDraw maps (hash, label) to a uniform float in [0, 1).
func unitDraw(hash, label string) float64 {
	sum := sha256.Sum256([]byte(hash + "|" + label))
	return float64(binary.LittleEndian.Uint64(sum[:8])>>11) / (1 << 53)
}

// choose picks the fault for attempt number attempt (1-based) of the
// request with hash: one draw against the cumulative probabilities.
func (f Faults) choose(hash string, attempt int64, seed int64) faultKind {
	u := unitDraw(hash, "fault|"+strconv.FormatInt(attempt, 10)+"|"+strconv.FormatInt(seed, 10))
	acc := 0.0
	for _, k := range []struct {
		p    float64
		kind faultKind
	}{
		{f.Err500, fault500}, {f.Err502HTML, fault502HTML}, {f.Err503, fault503},
		{f.Reset, faultReset}, {f.Hang, faultHang}, {f.Truncated, faultTruncated},
	} {
		if k.p > 0 {
			acc += k.p
		}
		if u < acc {
			return k.kind
		}
	}
	return faultNone
}

// latency returns the configured latency plus the request's deterministic
// jitter in [0, LatencyJitter).
func (c *Config) latency(hash string) time.Duration {
	d := c.Latency
	if c.LatencyJitter > 0 {
		d += time.Duration(unitDraw(hash, "jitter") * float64(c.LatencyJitter))
	}
	return d
}
