package jobstate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/batchprompt/batchprompt/checkpoint"
)

// Describe says, for validate, what a run of the job fp with the state
// database at path would find there: nothing yet, an empty database, the
// same job (it resumes) or, with restart, a database it moves aside. It
// fails with a *MismatchError (in a *ConfigError) when the run would be
// refused because the database belongs to another job. It never creates
// the database; it takes no lock.
func Describe(ctx context.Context, path string, fp map[string]string, restart bool) (string, error) {
	if path == "" {
		return "", errors.New("no state database path: give --state, a job file or an output")
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return path + " (new: the first run creates it)", nil
	} else if err != nil {
		return path, fmt.Errorf("state database %s: %w", path, err)
	}
	if restart {
		return path + " (exists; --restart moves it aside and starts over)", nil
	}
	db, err := checkpoint.Open(ctx, path)
	if err != nil {
		return path, err
	}
	defer db.Close()
	old, ok, err := db.Fingerprint(ctx)
	if err != nil {
		return path, err
	}
	if !ok {
		return path + " (exists, empty)", nil
	}
	if err := compare(path, old, fp); err != nil {
		return path, err
	}
	return path + " (exists, same job: run resumes it)", nil
}

// OpenExisting opens the state database at path for reading (status,
// export), failing with an error naming path when it does not exist:
// checkpoint.Open would create an empty one, hiding a wrong path. When
// the database of --simulate runs exists beside it, the error says so.
func OpenExisting(ctx context.Context, path string) (*checkpoint.DB, error) {
	if _, err := os.Stat(path); err != nil {
		hint := ""
		if sim := strings.TrimSuffix(path, ".state.db") + ".sim.state.db"; sim != path {
			if _, err := os.Stat(sim); err == nil {
				hint = fmt.Sprintf(" (%s exists: add --simulate for the simulated runs)", sim)
			}
		}
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("state database %s does not exist: the job has not run yet%s", path, hint)
		}
		return nil, fmt.Errorf("state database %s: %w", path, err)
	}
	return checkpoint.Open(ctx, path)
}
