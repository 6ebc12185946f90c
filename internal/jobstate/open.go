package jobstate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/coltype"
)

// Config says which state database a run opens and what job it runs.
type Config struct {
	Path    string // the state database; created when missing
	Restart bool   // move an existing database aside (to <path>.bak, .bak1, …) and start over
	// Fingerprint is the job's identity: everything that shapes its
	// requests. A database made by another identity is refused.
	Fingerprint map[string]string
	Keep        []string // the --keep columns this run writes
	// ColumnTypes are the input's column types where it declares them
	// (readers.TypesOf): kept columns are written back with them.
	ColumnTypes map[string]coltype.Type
}

// State is a state database opened for a run, and held: no other run can
// open it until Close.
type State struct {
	DB *checkpoint.DB
	// RefreshKept is set when Keep differs from the columns the stored
	// rows hold: the run rewrites reused rows' kept values from the input.
	RefreshKept bool
	RunID       int64 // this run's number, 1 for the first

	lock *lock
}

// Open locks the state database at c.Path by the file's identity (a
// second run through a symlink or hard link is refused too), moves it
// aside first when c.Restart is set, opens it, checks it belongs to the
// job c.Fingerprint describes (recording the fingerprint in a new one),
// settles the kept columns and begins a run, marking the job not complete
// until the run records otherwise.
//
// A database in use by another run (*InUseError) or made by another job
// (*MismatchError) is refused with a *ConfigError. Cost: a few small
// transactions, and one scan of the rows when --keep changed.
func Open(ctx context.Context, c Config) (*State, error) {
	l, err := acquire(c.Path)
	if err != nil {
		return nil, err
	}
	s := &State{lock: l}
	if err := s.open(ctx, c); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *State) open(ctx context.Context, c Config) error {
	if c.Restart {
		if err := backup(c.Path); err != nil {
			return err
		}
	}
	if err := s.lock.claim(true); err != nil {
		return err
	}
	db, err := checkpoint.Open(ctx, c.Path)
	if err != nil {
		return err
	}
	s.DB = db
	wrap := func(err error) error { return fmt.Errorf("state database %s: %w", c.Path, err) }
	old, ok, err := db.Fingerprint(ctx)
	switch {
	case err != nil:
		return wrap(err)
	case ok:
		if err := compare(c.Path, old, c.Fingerprint); err != nil {
			return err
		}
	default:
		if err := db.SetFingerprint(ctx, c.Fingerprint); err != nil {
			return wrap(err)
		}
	}
	if s.RefreshKept, err = checkKeep(ctx, db, c.Keep); err != nil {
		return wrap(err)
	}
	if err := setColumnTypes(ctx, db, c.ColumnTypes); err != nil {
		return wrap(err)
	}
	if s.RunID, err = db.BeginRun(ctx); err != nil {
		return wrap(err)
	}
	// Until this run ends well, the job is not complete, even if an
	// earlier run was and this one is killed.
	if err := db.SetMeta(ctx, MetaComplete, "false"); err != nil {
		return wrap(err)
	}
	return nil
}

// Close closes the database and then releases the lock, in that order
// (see lock). It may be called again, and after the caller closed DB.
func (s *State) Close() error {
	var err error
	if s.DB != nil {
		err = s.DB.Close()
	}
	s.lock.release()
	return err
}

// backup moves an existing state database (and its WAL files) aside.
func backup(path string) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	bak := path + ".bak"
	for i := 1; ; i++ {
		if _, err := os.Stat(bak); errors.Is(err, os.ErrNotExist) {
			break
		}
		bak = path + ".bak" + strconv.Itoa(i)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + suffix); err == nil {
			if err := os.Rename(path+suffix, bak+suffix); err != nil {
				return fmt.Errorf("--restart: %w", err)
			}
		}
	}
	if err := os.Rename(path, bak); err != nil {
		return fmt.Errorf("--restart: %w", err)
	}
	return nil
}
