package rules

import (
	"hash/maphash"
	"slices"
)

// cappedSet is a list of at most maxCapped names (pods, kinds) kept in
// rule state, with the hashes of its names beside it. A rule checks it on
// every member, and nearly always finds the name already there: comparing
// hashes spares reading the stored strings, which are cold by then. Two
// names with one 64-bit hash would make the second look present: odds of
// 2⁻⁶⁴ per pair, with at most eight names in a set.
//
// The sums live in the set itself rather than in a slice: a rule's state
// is cold when a member joins, and a slice's array was one more cache
// line to miss on every member (a tenth of a join in the profile).
type cappedSet struct {
	// n and sums are not saved: they are rebuilt from the names after a
	// restore.
	n    uint8
	sums [maxCapped]uint64
}

const maxCapped = 8

// nameSeed is per process; the sums never leave it.
var nameSeed = maphash.MakeSeed()

// add returns names with v added unless present or full.
func (s *cappedSet) add(names []string, v string) []string {
	if len(names) >= maxCapped {
		return names
	}
	if int(s.n) != len(names) {
		s.n = 0
		for _, n := range names {
			s.sums[s.n] = maphash.String(nameSeed, n)
			s.n++
		}
	}
	h := maphash.String(nameSeed, v)
	if slices.Contains(s.sums[:s.n], h) {
		return names
	}
	s.sums[s.n] = h
	s.n++
	return append(names, v)
}
