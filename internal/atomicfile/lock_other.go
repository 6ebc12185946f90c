//go:build !unix

package atomicfile

import (
	"os"
	"time"
)

// haveLocks is false: CleanStale judges by age here.
const haveLocks = false

// renameOpen is false: some systems (Windows) refuse to rename an open
// file, so the temp file is closed first.
const renameOpen = false

// staleAge is how long a temp file must have gone unmodified before
// CleanStale takes it for a leftover where files cannot be locked. A live
// Write modifies its file with every buffer it flushes.
const staleAge = time.Hour

// lockFile does nothing: flock(2) is not available here.
func lockFile(f *os.File) error { return nil }

// isStale judges by age, having no lock to ask.
func isStale(f *os.File) (bool, error) {
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	return time.Since(st.ModTime()) > staleAge, nil
}
