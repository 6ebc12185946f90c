package jobstate

import (
	"errors"
	"fmt"
	"strings"
)

// ConfigError is a state database the job cannot use as configured: a
// mistake the user fixes with flags or the job file (another --state,
// --restart, --partial, another output path). Callers map it to their
// usage error; the error it wraps says what and where.
type ConfigError struct{ Err error }

// Error returns the wrapped error's message.
func (e *ConfigError) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *ConfigError) Unwrap() error { return e.Err }

// IsConfig reports whether err, or an error it wraps, is a *ConfigError.
func IsConfig(err error) bool {
	var ce *ConfigError
	return errors.As(err, &ce)
}

func configErrorf(format string, args ...any) error {
	return &ConfigError{Err: fmt.Errorf(format, args...)}
}

// MismatchError refuses a rerun whose configuration differs from the one
// the state database was made with. Open and Describe return it wrapped in
// a *ConfigError.
type MismatchError struct {
	State string
	// Changed names what differs: fingerprint keys with "_" as a space,
	// and for the request parameters, each parameter that changed.
	Changed []string
	// Diffs holds, in the order of Changed, each difference with its
	// stored and current value; it may be nil, and Error then names the
	// keys only.
	Diffs []Change
}

// Error names the database, each difference and the two ways out.
func (e *MismatchError) Error() string {
	what := strings.Join(e.Changed, ", ")
	if len(e.Diffs) > 0 {
		parts := make([]string, len(e.Diffs))
		for i, d := range e.Diffs {
			parts[i] = d.String()
		}
		what = strings.Join(parts, ", ")
	}
	return fmt.Sprintf("state database %s belongs to a job with a different %s; "+
		"to start over pass --restart (the old database is kept as a backup), "+
		"or pass another --state to run this as a new job",
		e.State, what)
}

// InUseError refuses a run while another run holds the same state
// database, whatever path (a symlink, a hard link) either names it by.
// Open returns it wrapped in a *ConfigError.
type InUseError struct{ State string }

// Error names the database and what to do instead.
func (e *InUseError) Error() string {
	return fmt.Sprintf("state database %s is in use by another batchprompt run of this job; wait for it to finish, or give this run its own --state", e.State)
}

// IncompleteError refuses to export a job that is not complete without
// leave to write a partial result. Export returns it wrapped in a
// *ConfigError.
type IncompleteError struct {
	State  string
	Status Status
}

// Error says how many rows are missing and how to export the others.
func (e *IncompleteError) Error() string { return e.Message(itoa) }

// Message is Error with every count formatted by num (a formatter that
// groups thousands, say), so a command can print it in its own style.
func (e *IncompleteError) Message(num func(int64) string) string {
	return fmt.Sprintf("the job in %s is not complete: %s; pass --partial to write the %s rows that have a result",
		e.State, e.Status.MissingText(num), num(e.Status.OK+e.Status.Failed))
}

// OwnOutputError refuses a partial export over one of the job's own
// outputs: those are reserved for the whole result, which run writes once
// the job is complete. Export returns it wrapped in a *ConfigError.
type OwnOutputError struct{ Output string }

// Error names the output and why it is refused.
func (e *OwnOutputError) Error() string {
	return fmt.Sprintf("output %s is one of the job's own outputs, which run writes whole once the job is complete; export the partial result to another path", e.Output)
}
