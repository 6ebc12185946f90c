package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// tmpInfix separates the target's name from the random digits in a temp
// file's name: ".<base>.tmp-<digits>", as os.CreateTemp fills in "*".
const tmpInfix = ".tmp-"

// createAttempts bounds how often createLocked starts over when a cleaner
// removed its fresh file before the lock was taken (a race that needs
// another process cleaning the same path at that very moment).
const createAttempts = 5

// createLocked creates the temp file for base in dir and locks it (where
// locks exist). A CleanStale running elsewhere may remove the file between
// creation and locking; the name is then checked to still be this file once
// the lock is held, and the file created anew if not. After that no
// cleaner can remove it: it would need the lock first.
func createLocked(dir, base string) (*os.File, error) {
	for range createAttempts {
		f, err := os.CreateTemp(dir, "."+base+tmpInfix+"*")
		if err != nil {
			return nil, err
		}
		if err := lockFile(f); err != nil {
			f.Close()
			os.Remove(f.Name())
			return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
		}
		if sameName(f) {
			return f, nil
		}
		f.Close() // a cleaner took the name; it is gone already
	}
	return nil, fmt.Errorf("temp files in %s keep being removed by another process", dir)
}

// sameName reports whether f's name still leads to f.
func sameName(f *os.File) bool {
	open, err := f.Stat()
	if err != nil {
		return false
	}
	named, err := os.Lstat(f.Name())
	return err == nil && os.SameFile(open, named)
}

// isTempName reports whether name is one Write gives its temp files for a
// target called base: "." + base + ".tmp-" + decimal digits, nothing else.
func isTempName(name, base string) bool {
	digits, ok := strings.CutPrefix(name, "."+base+tmpInfix)
	if !ok || digits == "" {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// CleanStale removes the temp files that Write left beside path in a
// process that died mid-write (kill -9, a power loss): files in path's
// directory named exactly ".<base>.tmp-<digits>" for path's base name, and
// no other. A file that a live Write is still writing is left alone: on
// Unix, Write holds an flock on its temp file until the rename, and
// CleanStale removes only files whose lock it can take; elsewhere, where
// there is no such lock, only files untouched for staleAge (an hour) go.
//
// It returns the paths it removed. A missing directory is not an error
// (there is nothing to clean; Write will report it). err joins the
// failures to examine or remove single files; the files listed in removed
// are gone either way, so a caller may log err and go on.
//
// Cost: one directory listing, plus an open, a lock attempt and a stat for
// each matching file; meant to run once before an output is written.
func CleanStale(path string) (removed []string, err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("atomicfile: clean %s: %w", path, err)
	}
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() || !isTempName(e.Name(), base) {
			continue
		}
		tmp := filepath.Join(dir, e.Name())
		gone, err := removeIfStale(tmp)
		if err != nil {
			errs = append(errs, err)
		}
		if gone {
			removed = append(removed, tmp)
		}
	}
	if len(errs) > 0 {
		return removed, fmt.Errorf("atomicfile: clean %s: %w", path, errors.Join(errs...))
	}
	return removed, nil
}

// removeIfStale removes tmp unless a live writer holds it. The file's lock
// is held while its name is checked and removed, so the name removed is
// the file found unlocked and not one a writer created since.
func removeIfStale(tmp string) (bool, error) {
	f, err := os.Open(tmp)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil // its writer finished (renamed it) meanwhile
	}
	if err != nil {
		return false, err
	}
	defer f.Close() // also releases the lock
	stale, err := isStale(f)
	if err != nil || !stale || !sameName(f) {
		return false, err
	}
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	return true, nil
}
