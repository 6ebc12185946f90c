// Package jobstate owns a job's state database as a job sees it: its
// identity (the fingerprint), the meta keys a run records, the lock that
// keeps a second run out, the one definition of a job's status
// (complete, missing, pending), and writing outputs from the database.
//
// It sits between pipeline and checkpoint: checkpoint stores rows and
// knows nothing of jobs; pipeline runs jobs and asks jobstate how to open,
// judge and publish their state. Commands reach it through pipeline.
package jobstate
