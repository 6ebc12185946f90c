// Package checkpoint is a batch job's state database: an SQLite file
// (through the pure-Go driver modernc.org/sqlite) holding the job's
// fingerprint, free-form metadata and one row per input record with its
// result, success or error.
//
// The database is the single source of truth of a job. Every result is
// committed as it completes (see Committer, which batches commits into short
// transactions), so a crash loses at most the rows queued but not yet
// committed; output files are derived from it afterwards, in input order
// (see DB.Rows). The database never holds an API key: nothing in Row or the
// fingerprint is meant to carry one, and callers must not put one there.
//
// # Runs and input order
//
// Each invocation of the job is a run: DB.BeginRun increments a counter kept
// in the database. DB.Commit stamps every row with the current run and the
// row's position (Seq) in this run's input order; DB.Touch re-stamps rows
// committed by an earlier run that the resume path reuses. DB.Rows yields only
// rows stamped with the current run, ordered by Seq, so rows whose input line
// was deleted or moved between runs never leak into, or disorder, the output.
//
// # Concurrency
//
// A DB is safe for concurrent use. Writes go through a single connection
// (SQLite allows one writer at a time anyway); reads use a small pool of
// read-only connections, which WAL mode lets run alongside the writer.
// Several processes may open the same file, but a job is meant to have one.
package checkpoint
