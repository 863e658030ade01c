package engine

// queues hold the groups in touch order, one queue per rule and state
// (candidate or open). Every group in one queue goes quiet after the same
// time (its rule's window, or the TTL), so a queue's front is always the
// first of its groups to expire and an expiry scan stops at the first live
// one without missing any; one shared queue would let a long-lived front
// hold back shorter-lived groups behind it.
type queues struct {
	qs []queue
	// touches numbers touches across queues, to find the globally least
	// recently touched group for eviction.
	touches uint64
}

// queue is a doubly linked list threaded through the incidents
// themselves: moving a group to the back on every member touches the
// group and its two neighbours, and no separate list element (one more
// allocation per group, one more cache miss per touch).
type queue struct{ head, tail *Incident }

func (q *queue) pushBack(inc *Incident) {
	inc.prev, inc.next = q.tail, nil
	if q.tail != nil {
		q.tail.next = inc
	} else {
		q.head = inc
	}
	q.tail = inc
}

// unlink takes inc out of q; a group not in q is left alone.
func (q *queue) unlink(inc *Incident) {
	if inc.prev == nil && q.head != inc {
		return
	}
	if inc.prev != nil {
		inc.prev.next = inc.next
	} else {
		q.head = inc.next
	}
	if inc.next != nil {
		inc.next.prev = inc.prev
	} else {
		q.tail = inc.prev
	}
	inc.prev, inc.next = nil, nil
}

func (q *queues) init(rules int) { q.qs = make([]queue, 2*rules) }

func (q *queues) of(inc *Incident) *queue {
	i := 2 * inc.ruleIdx
	if inc.open {
		i++
	}
	return &q.qs[i]
}

func (q *queues) push(inc *Incident) {
	q.touches++
	inc.touched = q.touches
	q.of(inc).pushBack(inc)
}

// touch moves inc to the back of its queue; after it opens, that is the
// open queue.
func (q *queues) touch(inc *Incident, wasOpen bool) {
	if wasOpen != inc.open {
		open := inc.open
		inc.open = wasOpen
		q.remove(inc)
		inc.open = open
		q.push(inc)
		return
	}
	q.touches++
	inc.touched = q.touches
	if qu := q.of(inc); qu.tail != inc {
		qu.unlink(inc)
		qu.pushBack(inc)
	}
}

func (q *queues) remove(inc *Incident) { q.of(inc).unlink(inc) }

// oldest is the least recently touched group of all, or nil.
func (q *queues) oldest() *Incident {
	var best *Incident
	for i := range q.qs {
		if inc := q.qs[i].head; inc != nil && (best == nil || inc.touched < best.touched) {
			best = inc
		}
	}
	return best
}

// each calls f for every group, queue by queue, oldest first; f may remove
// the group it is given.
func (q *queues) each(f func(*Incident)) {
	for i := range q.qs {
		for inc := q.qs[i].head; inc != nil; {
			next := inc.next
			f(inc)
			inc = next
		}
	}
}
