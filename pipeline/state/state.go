// Package state reads and maintains what jobs leave on disk, without
// running them: a job's status, exports of its results, what a run would
// find in its state database, the limits its last run learned, and the
// response cache shared across jobs. It is the library face of
// internal/jobstate and internal/respcache for the status, export and
// cache commands.
package state

import (
	"context"
	"fmt"
	"time"

	"github.com/batchprompt/batchprompt/internal/jobstate"
	"github.com/batchprompt/batchprompt/internal/respcache"
	"github.com/batchprompt/batchprompt/pipeline"
)

// JobBatch is one Batch API batch in a JobStatus.
type JobBatch = jobstate.Batch

// configError turns jobstate's configuration errors into the pipeline's,
// which the command line maps to exit code 2.
func configError(err error) error {
	if jobstate.IsConfig(err) {
		return &pipeline.ConfigError{Err: err}
	}
	return err
}

// JobStatus is how far a job is, read from its state database: rows with
// a result, pending and missing, tokens, cost, whether it is complete and
// which job the database belongs to. Its JSON keys are stable.
type JobStatus = jobstate.Status

// ExportSpec says what Export writes, from which state database.
type ExportSpec = jobstate.ExportSpec

// ExportResult is what Export wrote.
type ExportResult = jobstate.ExportResult

// IncompleteError refuses to export a job that is not complete without
// ExportSpec.Partial. Export returns it inside a *ConfigError.
type IncompleteError = jobstate.IncompleteError

// ReadStatus reads the status of the job whose state database is at
// statePath. It only reads, so it is safe while the job runs. A missing
// database is an error naming the path (and the --simulate database when
// that one exists), never an empty new one. Cost: one scan of the rows.
func ReadStatus(ctx context.Context, statePath string) (JobStatus, error) {
	db, err := jobstate.OpenExisting(ctx, statePath)
	if err != nil {
		return JobStatus{}, err
	}
	defer db.Close()
	return jobstate.ReadStatus(ctx, db)
}

// Export writes output files from a job's state database: a complete job
// exactly as Run writes them; an unfinished one only with spec.Partial,
// and then only the rows that have a result, never over the job's own
// outputs. Mistakes in spec are a *ConfigError; a missing database or a
// failed write another error. See jobstate.Export.
func Export(ctx context.Context, spec ExportSpec) (ExportResult, error) {
	res, err := jobstate.Export(ctx, spec)
	return res, configError(err)
}

// DescribeState says what a run of job would find in its state database
// (nothing yet, the same job to resume, a database --restart moves aside),
// for validate, and fails with a *ConfigError holding a *MismatchError
// when the run would refuse it. It creates nothing and takes no lock.
func DescribeState(ctx context.Context, job pipeline.Job) (string, error) {
	s, err := jobstate.Describe(ctx, job.State, job.Fingerprint(), job.Restart)
	return s, configError(err)
}

// StoredLimitsAt returns the limits the last run of the job whose state
// database is at statePath had in force for model, if it recorded any. It
// never creates the database.
func StoredLimitsAt(ctx context.Context, statePath, model string) (pipeline.Limits, bool) {
	l, ok := jobstate.LimitsAt(ctx, statePath, model)
	return pipeline.Limits(l), ok
}

// CacheFigures describes a response cache: entries, bytes, the oldest
// and newest answers, entries per model.
type CacheFigures = respcache.Stats

// CacheStats reads the figures of the response cache at path (one pass
// over its answers).
func CacheStats(ctx context.Context, path string) (CacheFigures, error) {
	c, err := respcache.Open(ctx, path)
	if err != nil {
		return CacheFigures{}, err
	}
	defer c.Close()
	return c.Stats(ctx)
}

// PruneCache deletes the answers stored in the response cache at path
// before cutoff, and returns how many. Jobs may use the cache meanwhile.
func PruneCache(ctx context.Context, path string, cutoff time.Time) (int64, error) {
	c, err := respcache.Open(ctx, path)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	n, err := c.Prune(ctx, cutoff)
	if err != nil {
		return 0, fmt.Errorf("prune: %w", err)
	}
	return n, nil
}
