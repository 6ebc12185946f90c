package estimate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// markCached asks Options.Cached about the rows of one batch that can be
// sent. A failure is kept (the first one) and ends the scan with it.
func (s *scan) markCached(ctx context.Context, rows []row) {
	if s.opt.Cached == nil {
		return
	}
	var qs []CacheQuery
	var at []int
	for i := range rows {
		if rows[i].kind == "" {
			qs = append(qs, CacheQuery{Model: rows[i].model, Hash: rows[i].hash})
			at = append(at, i)
		}
	}
	if len(qs) == 0 {
		return
	}
	hit, err := s.opt.Cached(ctx, qs)
	if err == nil && len(hit) != len(qs) {
		err = fmt.Errorf("response cache answered %d of %d look-ups", len(hit), len(qs))
	}
	if err != nil {
		s.cacheMu.Lock()
		if s.cacheErr == nil {
			s.cacheErr = err
		}
		s.cacheMu.Unlock()
		return
	}
	for j, i := range at {
		rows[i].cached = hit[j]
	}
}

// foldSaved counts r, a row run would not send, as a duplicate or a cache
// hit, and reports whether it did. Only the calling goroutine folds, so
// the set needs no lock.
func (s *scan) foldSaved(r row) bool {
	if r.kind != "" || (!s.opt.Dedupe && !r.cached) {
		return false
	}
	a := s.accFor(r.model)
	if s.opt.Dedupe {
		k := hashKey(r.hash)
		if _, dup := s.seen[k]; dup {
			a.e.Rows++
			a.e.Duplicates++
			a.stats.Add(r.tokens)
			return true
		}
		if s.seen == nil {
			s.seen = map[[16]byte]struct{}{}
		}
		s.seen[k] = struct{}{}
	}
	if !r.cached {
		return false
	}
	a.e.Rows++
	a.e.CacheHits++
	a.stats.Add(r.tokens)
	return true
}

// hashKey is the set's key for a request hash: its first 16 bytes when it
// is hex (what the renderer makes), else 16 bytes of its SHA-256. Two
// distinct requests collide with odds of 2^-128 per pair.
func hashKey(h string) [16]byte {
	var k [16]byte
	if b, err := hex.DecodeString(h); err == nil && len(b) >= len(k) {
		copy(k[:], b)
		return k
	}
	sum := sha256.Sum256([]byte(h))
	copy(k[:], sum[:])
	return k
}
