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
type cappedSet struct {
	// sums is not saved: it is rebuilt from the names after a restore.
	sums []uint64
}

const maxCapped = 8

// nameSeed is per process; the sums never leave it.
var nameSeed = maphash.MakeSeed()

// add returns names with v added unless present or full.
func (s *cappedSet) add(names []string, v string) []string {
	if len(s.sums) != len(names) {
		s.sums = s.sums[:0]
		for _, n := range names {
			s.sums = append(s.sums, maphash.String(nameSeed, n))
		}
	}
	if len(names) >= maxCapped {
		return names
	}
	h := maphash.String(nameSeed, v)
	if slices.Contains(s.sums, h) {
		return names
	}
	s.sums = append(s.sums, h)
	return append(names, v)
}
