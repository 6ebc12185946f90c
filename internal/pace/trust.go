package pace

// trust decides which x-ratelimit-limit-* headers the limiter learns from.
// One wrong answer (a proxy's, a bug's: "x-ratelimit-limit-tokens: 1")
// must not change how every later request is paced, so a limit is learned
// only if it is consistent with what the server has already granted and
// with its own remaining header, and a learned limit changes only when two
// answers in a row say the same new value.
type trust struct {
	raw     Limits  // the server's limits as believed, without headroom
	pending Limits  // a new value seen once, waiting for a second answer
	granted float64 // largest token charge (our count) answered successfully
}

// grantedTokens records the charge of a request the server answered
// successfully: a token limit below it (well below: the server counts
// differently from us) contradicts the server itself.
func (t *trust) grantedTokens(n float64) {
	t.granted = max(t.granted, n)
}

// believe returns the limits in a response that may be learned (zero where
// not): rpm and tpm are the limit headers, remReq and remTok the remaining
// headers (negative when absent).
func (t *trust) believe(rpm, tpm, remReq, remTok float64) Limits {
	var out Limits
	if check(&t.raw.RPM, &t.pending.RPM, rpm, remReq, 1) {
		out.RPM = rpm
	}
	if check(&t.raw.TPM, &t.pending.TPM, tpm, remTok, t.granted/2) {
		out.TPM = tpm
	}
	return out
}

// check decides for one dimension whether v, the limit an answer reports,
// is believed, and keeps cur (the believed value) and pending up to date.
func check(cur, pending *float64, v, remaining, floor float64) bool {
	if v <= 0 || v < floor || remaining > v {
		return false // absent, or contradicted by what was granted or by remaining
	}
	switch {
	case *cur == v:
		*pending = 0
	case *cur == 0:
		*cur, *pending = v, 0
	case *pending == v:
		*cur, *pending = v, 0
	default:
		*pending = v
		return false
	}
	return true
}
