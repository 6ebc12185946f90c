// Package pipeline runs a batch job: it is the one package that knows the
// whole chain, from a reader's records through the prompt template, the
// limiters and the HTTP client to the checkpoint database and the writers.
//
// Data flows one way:
//
//	readers ─Record─▶ template ─Request─▶ budget/limiters ─▶ client ─Result─▶ checkpoint ─▶ writers
//
// Every result, success or error, is committed to the job's state database
// as it completes. Output files are written from that database in input
// order once every input row has a result, and published atomically, so a
// file at an output path is always whole. A run that stops early (an
// interrupt, a fatal error) writes no outputs and can be resumed by running
// it again.
//
// Run never prints: progress reaches the caller through Options.Progress and
// the returned Summary.
package pipeline
