package simulator

// FaultStats counts injected faults by kind.
type FaultStats struct {
	Err500, Err502HTML, Err503, Reset, Hang, Truncated int64
}

// Stats are a [Server]'s counters since it was created.
type Stats struct {
	Requests          int64 // every request received on the chat endpoint
	OK                int64 // complete 200 answers
	RateLimited       int64 // 429 rate_limit_exceeded, "Request too large" included (not insufficient_quota)
	InsufficientQuota int64 // 429 insufficient_quota
	Invalid           int64 // 400 and 404 answers
	Unauthorized      int64 // 401 answers
	Faults            FaultStats
	// PromptTokens and CompletionTokens sum the usage of OK answers.
	PromptTokens, CompletionTokens int64
}

func (f *FaultStats) add(k faultKind) {
	switch k {
	case fault500:
		f.Err500++
	case fault502HTML:
		f.Err502HTML++
	case fault503:
		f.Err503++
	case faultReset:
		f.Reset++
	case faultHang:
		f.Hang++
	case faultTruncated:
		f.Truncated++
	}
}

// Stats returns a snapshot of the counters. It takes a mutex: cheap, but
// not free inside tight loops.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}
