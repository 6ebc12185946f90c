// Package suggest finds the closest known name to a mistyped one, for
// "did you mean …?" hints in error messages.
package suggest

import (
	"strings"
	"unicode/utf8"
)

// Closest returns the candidate nearest to name, and true, when one is near
// enough to be a plausible typo; otherwise "" and false. Nearness is the
// edit distance (insertions, deletions, substitutions and swaps of two
// adjacent characters, each counting one) between the case-folded names,
// so "Review" finds "review" and "prodcut" finds "product". How many edits
// are allowed grows with the name: one for names up to five characters,
// two up to eight, three beyond, so a short name is not "corrected" into
// an unrelated one; an empty name matches nothing. An exact match is returned as such. Among equally near
// candidates the first in candidates wins, so the result is deterministic.
//
// Cost: O(len(name) × len(candidate)) time per candidate and
// O(len(candidate)) memory; meant for error paths, not hot loops.
func Closest(name string, candidates []string) (string, bool) {
	if name == "" {
		return "", false // every one-letter name would be "near"
	}
	limit := maxEdits(utf8.RuneCountInString(name))
	lname := []rune(strings.ToLower(name))
	best, bestD := "", limit+1
	for _, c := range candidates {
		if c == name {
			return c, true
		}
		if d := distance(lname, []rune(strings.ToLower(c))); d < bestD {
			best, bestD = c, d
		}
	}
	return best, best != ""
}

// maxEdits is how many edits a name of n characters may be away from a
// suggestion: about a third of its length, at least one and at most three.
func maxEdits(n int) int {
	return min(3, max(1, n/3))
}

// distance is the optimal-string-alignment distance between a and b: the
// Levenshtein distance plus adjacent transpositions, the commonest typo.
// It keeps three rows of the dynamic-programming table.
func distance(a, b []rune) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
