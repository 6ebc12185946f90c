package simulator

// BatchStats are the Files and Batches APIs' counters since the [Server]
// was created: what a crash test needs to prove that nothing was uploaded,
// created or billed twice. Line counts grow when a batch's files are
// written, that is when a poll first sees it completed, expired or
// cancelled.
type BatchStats struct {
	FilesCreated     int64 // uploads through POST /v1/files
	FilesDeleted     int64 // DELETE /v1/files/{id} that deleted a file
	OutputFiles      int64 // output and error files written by batches
	BatchesCreated   int64 // POST /v1/batches answered 200
	BatchesCancelled int64 // cancel requests that moved a batch to cancelling

	LinesBilled    int64 // request lines answered 200, each billed once
	LinesFailed    int64 // request lines answered 4xx or 5xx (error file, not billed)
	LinesExpired   int64 // lines never run: batch_expired
	LinesCancelled int64 // lines never run: batch_cancelled

	// BilledTwice counts the custom_ids billed more than once over the
	// Server's life: 0 when a client never resubmits an answered request
	// (custom_ids must then be unique across the client's jobs).
	BilledTwice int64

	// PromptTokens and CompletionTokens sum the usage of billed lines.
	PromptTokens, CompletionTokens int64
}

// BatchStats returns a snapshot of the batch counters. It does not advance
// any batch: poll through the API first to see the latest.
func (s *Server) BatchStats() BatchStats {
	s.batch.mu.Lock()
	defer s.batch.mu.Unlock()
	return s.batch.stats
}

// BatchBilled returns how many times request lines with customID were
// answered 200 (and so billed) by batches.
func (s *Server) BatchBilled(customID string) int64 {
	s.batch.mu.Lock()
	defer s.batch.mu.Unlock()
	return s.batch.billed[customID]
}
