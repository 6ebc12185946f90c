package pipeline

import (
	"context"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/jobstate"
	"github.com/batchprompt/batchprompt/writers"
)

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
	return res, stateError(err)
}

// DescribeState says what a run of job would find in its state database
// (nothing yet, the same job to resume, a database --restart moves aside),
// for validate, and fails with a *ConfigError holding a *MismatchError
// when the run would refuse it. It creates nothing and takes no lock.
func DescribeState(ctx context.Context, job Job) (string, error) {
	s, err := jobstate.Describe(ctx, job.State, job.Fingerprint(), job.Restart)
	return s, stateError(err)
}

// StoredLimitsAt returns the limits the last run of the job whose state
// database is at statePath had in force for model, if it recorded any. It
// never creates the database.
func StoredLimitsAt(ctx context.Context, statePath, model string) (Limits, bool) {
	l, ok := jobstate.LimitsAt(ctx, statePath, model)
	return Limits(l), ok
}

// WriteOutputs writes the current run's rows of db to each path, in input
// order, each published whole. See jobstate.WriteOutputs.
func WriteOutputs(ctx context.Context, db *checkpoint.DB, paths []string, s writers.Schema) error {
	return jobstate.WriteOutputs(ctx, db, paths, s)
}
