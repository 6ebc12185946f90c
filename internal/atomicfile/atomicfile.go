package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
)

// fileMode is the permission of published files (before the umask), the
// usual one for data files that other users may read.
const fileMode = 0o644

// bufferSize is large enough that formatting many small rows costs few
// write system calls.
const bufferSize = 256 << 10

// Write creates path atomically: fn writes into a temporary file beside the
// target (same directory, name like ".<base>.tmp-<digits>"), which is then
// fsynced, renamed over path, and the directory fsynced. If fn or any step
// fails, the temp file is removed and path is untouched. A file at path is
// therefore always whole. Only a process killed mid-write leaves its temp
// file behind; CleanStale removes such leftovers.
//
// On Unix the temp file is flock(2)ed from creation until it is renamed, so
// CleanStale can tell a live writer's file from a dead one's.
//
// The writer handed to fn is buffered; fn must not retain it after it
// returns. The published file has mode 0644 whatever the process umask.
// Cost: the data is written once, plus two fsyncs (file and directory),
// which dominate for small files.
func Write(path string, fn func(w io.Writer) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := createLocked(dir, base)
	if err != nil {
		return fmt.Errorf("atomicfile: write %s: create temporary file: %w", path, err)
	}
	tmp := f.Name()
	closed, renamed := false, false
	// The deferred cleanup also runs when fn panics (err is then still nil,
	// hence the flag), so no temp file is left behind in any failure mode
	// this process survives.
	defer func() {
		if renamed {
			return
		}
		if !closed {
			_ = f.Close()
		}
		_ = os.Remove(tmp)
	}()

	// CreateTemp makes 0600 files; published output is meant to be shared.
	if err := f.Chmod(fileMode); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("atomicfile: write %s: chmod temporary file: %w", path, err)
	}
	bw := bufio.NewWriterSize(f, bufferSize)
	if err := fn(bw); err != nil {
		return fmt.Errorf("atomicfile: write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("atomicfile: write %s: flush: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("atomicfile: write %s: fsync: %w", path, err)
	}
	if renameOpen {
		// The lock on the temp file is held until its name is gone, so
		// CleanStale in another process never takes it for a leftover.
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("atomicfile: write %s: rename: %w", path, err)
		}
		renamed = true
		if err := f.Close(); err != nil {
			return fmt.Errorf("atomicfile: write %s: close: %w", path, err)
		}
	} else {
		closed = true
		if err := f.Close(); err != nil {
			return fmt.Errorf("atomicfile: write %s: close: %w", path, err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("atomicfile: write %s: rename: %w", path, err)
		}
		renamed = true
	}
	// From here on the new file is in place; a failing directory sync means
	// only that the rename might not survive a power loss, which the caller
	// must still hear about.
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("atomicfile: write %s: fsync directory: %w", path, err)
	}
	return nil
}

// syncDir makes a rename in dir durable. Some platforms and file systems
// cannot fsync a directory; there the rename is as durable as it gets, so
// those refusals are not errors.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		err = nil
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
