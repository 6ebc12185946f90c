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
func Write(path string, fn func(w io.Writer) error) (err error) {
	f, err := Create(path)
	if err != nil {
		return err
	}
	// The deferred Abort also runs when fn panics, so no temp file is left
	// behind in any failure mode this process survives; after Commit it
	// does nothing.
	defer f.Abort()
	if err := fn(f); err != nil {
		return fmt.Errorf("atomicfile: write %s: %w", path, err)
	}
	return f.Commit()
}

// File is a file being written that appears at its path, whole, only on
// Commit: Write's steps for a writer that decides itself when a file is
// complete (one that splits its output into several files, say). It is
// not safe for concurrent use.
type File struct {
	path, dir, tmp string
	f              *os.File
	bw             *bufio.Writer
	done           bool
}

// Create starts a file for path: a temporary file beside it, locked and
// made 0644 (see Write).
func Create(path string) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := createLocked(dir, base)
	if err != nil {
		return nil, fmt.Errorf("atomicfile: write %s: create temporary file: %w", path, err)
	}
	af := &File{path: path, dir: dir, tmp: f.Name(), f: f, bw: bufio.NewWriterSize(f, bufferSize)}
	// CreateTemp makes 0600 files; published output is meant to be shared.
	if err := f.Chmod(fileMode); err != nil && runtime.GOOS != "windows" {
		af.Abort()
		return nil, fmt.Errorf("atomicfile: write %s: chmod temporary file: %w", path, err)
	}
	return af, nil
}

// Write buffers p for the file.
func (a *File) Write(p []byte) (int, error) { return a.bw.Write(p) }

// Commit publishes the file: flush, fsync, rename over the path, fsync the
// directory. After an error before the rename the path is untouched and
// the temporary file removed.
func (a *File) Commit() error {
	if a.done {
		return fmt.Errorf("atomicfile: write %s: already committed or aborted", a.path)
	}
	fail := func(step string, err error) error {
		a.Abort()
		return fmt.Errorf("atomicfile: write %s: %s: %w", a.path, step, err)
	}
	if err := a.bw.Flush(); err != nil {
		return fail("flush", err)
	}
	if err := a.f.Sync(); err != nil {
		return fail("fsync", err)
	}
	if renameOpen {
		// The lock on the temp file is held until its name is gone, so
		// CleanStale in another process never takes it for a leftover.
		if err := os.Rename(a.tmp, a.path); err != nil {
			return fail("rename", err)
		}
		a.done = true
		if err := a.f.Close(); err != nil {
			return fmt.Errorf("atomicfile: write %s: close: %w", a.path, err)
		}
	} else {
		if err := a.f.Close(); err != nil {
			return fail("close", err)
		}
		if err := os.Rename(a.tmp, a.path); err != nil {
			_ = os.Remove(a.tmp)
			a.done = true
			return fmt.Errorf("atomicfile: write %s: rename: %w", a.path, err)
		}
		a.done = true
	}
	// From here on the new file is in place; a failing directory sync means
	// only that the rename might not survive a power loss, which the caller
	// must still hear about.
	if err := syncDir(a.dir); err != nil {
		return fmt.Errorf("atomicfile: write %s: fsync directory: %w", a.path, err)
	}
	return nil
}

// Abort removes the unfinished file, leaving the path untouched. It is
// safe to call more than once, and after Commit, when it does nothing.
func (a *File) Abort() {
	if a.done {
		return
	}
	a.done = true
	_ = a.f.Close()
	_ = os.Remove(a.tmp)
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
