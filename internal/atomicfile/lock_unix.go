//go:build unix

package atomicfile

import (
	"errors"
	"os"
	"syscall"
)

// haveLocks says whether files can be locked, so CleanStale can tell a
// live writer's temp file from a leftover.
const haveLocks = true

// renameOpen says the temp file is renamed while still open, so its lock
// covers it until its temp name is gone (Unix allows renaming open files).
const renameOpen = true

// lockFile takes an exclusive flock on f, held until f is closed or the
// process dies (the kernel releases it however the process ends). It
// blocks only while a CleanStale holds the lock, which is a few system
// calls.
func lockFile(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// isStale takes f's lock without waiting: a file whose lock is free has no
// live writer. The lock stays held until f is closed.
func isStale(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}
