//go:build unix

package jobstate

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lock keeps a second run off a state database, so that two runs of the
// same job (an overlapping cron schedule, a second terminal, a --state
// given through a link) cannot both claim and pay for the same rows.
//
// It takes two flock(2) locks, both the kernel's, released when the
// process dies however it dies:
//
//   - guard, on <resolved path>.lock: a path that outlives the database
//     file, since --restart moves that file aside and creates a new one,
//     and that symlinks to the file or to its folder resolve to;
//   - db, on the database file itself, which the kernel locks by inode, so
//     a hard link (or a bind mount) cannot name it another way.
//
// SQLite locks the database file with fcntl(2) record locks. On Linux and
// the BSDs flock and fcntl locks are independent, so ours neither blocks
// SQLite nor a reader such as status. What would break SQLite is closing
// another descriptor of the file while SQLite has it open (POSIX drops all
// of a process's record locks on a file at any close): release therefore
// runs only after the database is closed, and claim closes a descriptor
// only before the database is opened.
type lock struct {
	state     string
	guard, db *os.File
}

// acquire takes the guard lock of the database at state and, if the file
// exists, its own lock. It fails with an *InUseError (in a *ConfigError)
// when another run holds either.
func acquire(state string) (*lock, error) {
	l := &lock{state: state}
	var err error
	if l.guard, err = l.flock(resolve(state)+".lock", os.O_CREATE|os.O_RDWR); err != nil {
		return nil, err
	}
	if err := l.claim(false); err != nil {
		l.release()
		return nil, err
	}
	return l, nil
}

// claim locks the file now at the state path, creating it (empty, which
// SQLite reads as a new database) when create is set, and lets go of the
// file it locked before, which --restart has moved aside.
func (l *lock) claim(create bool) error {
	if l.db != nil {
		l.db.Close()
		l.db = nil
	}
	flag := os.O_RDONLY
	if create {
		flag |= os.O_CREATE
	}
	f, err := l.flock(l.state, flag)
	if errors.Is(err, os.ErrNotExist) && !create {
		return nil
	}
	l.db = f
	return err
}

// flock opens path and locks it exclusively without waiting.
func (l *lock) flock(path string, flag int) (*os.File, error) {
	f, err := os.OpenFile(path, flag, 0o644)
	if err != nil {
		return nil, fmt.Errorf("state database %s: lock: %w", l.state, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &ConfigError{Err: &InUseError{State: l.state}}
		}
		return nil, fmt.Errorf("state database %s: lock: %w", l.state, err)
	}
	return f, nil
}

// release lets go of both locks. Call it only once the database is closed.
func (l *lock) release() {
	for _, f := range []*os.File{l.db, l.guard} {
		if f != nil {
			f.Close() // closing the last descriptor releases its flock
		}
	}
	l.db, l.guard = nil, nil
}
