// Package pipeline runs a batch job: it is the one package that knows the
// whole chain, from a reader's records to the writers.
//
// Data flows one way:
//
//	readers ─Record─▶ request (render) ─Request─▶ dispatch ─▶ executor ─Result─▶ checkpoint ─▶ writers
//
// Every row is rendered by internal/request, the one renderer that
// estimate, validate (Preview) and export-requests use too, so they agree
// on every row. Dispatch claims each row that needs sending in the job's
// state database, then hands it to an executor: the synchronous pool
// (pacing per model by internal/pace, one HTTP request at a time by
// internal/client, with retries), or the Batch API. An executor hands back
// one result per row, which is committed as it arrives; state and writers
// never know which executor answered.
//
// Output files are written from the state database (internal/jobstate) in
// input order once every input row has a result, and published atomically,
// so a file at an output path is always whole. A run that stops early (an
// interrupt, a fatal error) writes no outputs and can be resumed by running
// it again.
//
// Run never prints: progress reaches the caller through Options.Progress and
// the returned Summary. Every wait is measured on Options.Clock.
package pipeline
