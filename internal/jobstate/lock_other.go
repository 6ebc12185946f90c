//go:build !unix

package jobstate

// lock is a no-op where flock(2) is not available; runs of the same job
// must not overlap there.
type lock struct{}

func acquire(state string) (*lock, error) { return &lock{}, nil }
func (l *lock) claim(create bool) error   { return nil }
func (l *lock) release()                  {}
