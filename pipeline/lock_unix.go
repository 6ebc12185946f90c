//go:build unix

package pipeline

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockState takes an exclusive lock on <state>.lock so that two runs of
// the same job (an overlapping cron schedule, a second terminal) cannot
// both claim and pay for the same rows. The lock is the kernel's: it is
// released when the process dies, however it dies.
func lockState(state string) (func(), error) {
	f, err := os.OpenFile(state+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("state database %s: lock: %w", state, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &ConfigError{Err: fmt.Errorf("state database %s is in use by another batchprompt run of this job; wait for it to finish, or give this run its own --state", state)}
		}
		return nil, fmt.Errorf("state database %s: lock: %w", state, err)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
