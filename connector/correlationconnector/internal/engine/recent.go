package engine

// recent is a bounded set of strings that forgets the oldest first.
type recent struct {
	max  int
	set  map[string]struct{}
	ring []string
	next int
}

func (r *recent) has(s string) bool {
	_, ok := r.set[s]
	return ok
}

func (r *recent) add(s string) {
	if r.set == nil {
		r.set = make(map[string]struct{}, min(r.max, 1024))
	}
	if r.has(s) {
		return
	}
	if len(r.ring) < r.max {
		r.ring = append(r.ring, s)
	} else {
		delete(r.set, r.ring[r.next])
		r.ring[r.next] = s
		r.next = (r.next + 1) % r.max
	}
	r.set[s] = struct{}{}
}
