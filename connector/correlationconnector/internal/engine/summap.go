package engine

// sumMap is a map keyed by sum128 that Go's runtime serves on its uint64
// fast path: a map keyed by a 16-byte array hashes the key again through
// the generic memory hash and compares it through an indirect call, and
// the profile of a join put both at about a sixth of the engine's time.
// The sums are already uniform, so the first half is the map key and the
// second is checked in the entry, in the slot the lookup reads anyway.
//
// Two live keys with one first half (odds about n²/2⁶⁵ over n keys) are
// still told apart: the later one goes to spill, which is empty in
// practice and then costs one length check.
type sumMap[V any] struct {
	m     map[uint64]sumEntry[V]
	spill map[sum128]V
}

type sumEntry[V any] struct {
	hi uint64
	v  V
}

func newSumMap[V any](size int) sumMap[V] {
	return sumMap[V]{m: make(map[uint64]sumEntry[V], size)}
}

func (s *sumMap[V]) len() int { return len(s.m) + len(s.spill) }

func (s *sumMap[V]) get(k sum128) (V, bool) {
	if e, ok := s.m[k[0]]; ok && e.hi == k[1] {
		return e.v, true
	}
	if len(s.spill) > 0 {
		v, ok := s.spill[k]
		return v, ok
	}
	var zero V
	return zero, false
}

func (s *sumMap[V]) set(k sum128, v V) {
	if s.m == nil {
		s.m = map[uint64]sumEntry[V]{}
	}
	// A key lives in one of the two maps only, so an update finds it where
	// it was put.
	if _, ok := s.spill[k]; ok {
		s.spill[k] = v
		return
	}
	if e, ok := s.m[k[0]]; ok && e.hi != k[1] {
		if s.spill == nil {
			s.spill = map[sum128]V{}
		}
		s.spill[k] = v
		return
	}
	s.m[k[0]] = sumEntry[V]{hi: k[1], v: v}
}

func (s *sumMap[V]) delete(k sum128) {
	if e, ok := s.m[k[0]]; ok && e.hi == k[1] {
		delete(s.m, k[0])
		return
	}
	delete(s.spill, k)
}

// all calls f for every value, in no particular order.
func (s *sumMap[V]) all(f func(V)) {
	for _, e := range s.m {
		f(e.v)
	}
	for _, v := range s.spill {
		f(v)
	}
}
