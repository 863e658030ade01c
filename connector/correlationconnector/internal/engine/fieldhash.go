package engine

import (
	"hash/maphash"
	"unsafe"
)

// fieldHashes remembers the hashes of the strings of the event being
// processed. One OOM kill has its namespace, pod, workload and Service
// summed for the pod map, the subject and two group keys: 26 string
// hashes, of only seven different strings. The keys rules build reuse the
// event's own strings, so a string is recognised by its bytes' address
// and length; the entry holds the string, so that memory cannot be freed
// and reused for other bytes while it is listed, and a match is always
// the same text. A string that is equal but stored elsewhere just misses
// and is hashed again: the sums are the same either way.
type fieldHashes struct {
	n int
	// Entries past n are stale and never read; they keep at most a few
	// strings of an earlier event alive.
	e [8]fieldHash
}

type fieldHash struct {
	s    string
	a, b uint64
}

// field returns p's hashes under both of s's seeds.
func (f *fieldHashes) field(s summer, p string) (a, b uint64) {
	for i := range f.n {
		if e := &f.e[i]; len(e.s) == len(p) && unsafe.StringData(e.s) == unsafe.StringData(p) {
			return e.a, e.b
		}
	}
	a, b = maphash.String(s.a, p), maphash.String(s.b, p)
	if f.n < len(f.e) {
		f.e[f.n] = fieldHash{s: p, a: a, b: b}
		f.n++
	}
	return a, b
}
