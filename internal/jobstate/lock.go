package jobstate

import (
	"os"
	"path/filepath"
)

// maxLinks bounds how many symlinks resolve follows, as the kernel does.
const maxLinks = 40

// resolve returns the path the state database at path really lives at,
// with every symlink resolved: of path itself, or, when path does not
// exist yet, of the path a dangling symlink points to, or of its
// directory. Two names for one file (a symlink to it, a symlinked folder)
// resolve to the same path, so their lock files are one.
func resolve(path string) string {
	p, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	for range maxLinks {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return r
		}
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			break
		}
		target, err := os.Readlink(p)
		if err != nil {
			break
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(p), target)
		}
		p = target
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
		return filepath.Join(dir, filepath.Base(p))
	}
	return p
}

// Lock takes the lock Open takes on the state database at path, without
// opening it, and returns its release. A run that wants the database
// meanwhile is refused with an *InUseError (in a *ConfigError), as this
// call is while a run holds it. Where flock(2) is missing it locks
// nothing.
func Lock(path string) (release func(), err error) {
	l, err := acquire(path)
	if err != nil {
		return nil, err
	}
	return l.release, nil
}
