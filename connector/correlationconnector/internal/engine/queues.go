package engine

import "container/list"

// queues hold the groups in touch order, one queue per rule and state
// (candidate or open). Every group in one queue goes quiet after the same
// time (its rule's window, or the TTL), so a queue's front is always the
// first of its groups to expire and an expiry scan stops at the first live
// one without missing any; one shared queue would let a long-lived front
// hold back shorter-lived groups behind it.
type queues struct {
	qs []list.List
	// touches numbers touches across queues, to find the globally least
	// recently touched group for eviction.
	touches uint64
}

func (q *queues) init(rules int) { q.qs = make([]list.List, 2*rules) }

func (q *queues) of(inc *Incident) *list.List {
	i := 2 * inc.ruleIdx
	if inc.open {
		i++
	}
	return &q.qs[i]
}

func (q *queues) push(inc *Incident) {
	q.touches++
	inc.touched = q.touches
	inc.elem = q.of(inc).PushBack(inc)
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
	q.of(inc).MoveToBack(inc.elem)
}

func (q *queues) remove(inc *Incident) { q.of(inc).Remove(inc.elem) }

// oldest is the least recently touched group of all, or nil.
func (q *queues) oldest() *Incident {
	var best *Incident
	for i := range q.qs {
		if el := q.qs[i].Front(); el != nil {
			if inc := el.Value.(*Incident); best == nil || inc.touched < best.touched {
				best = inc
			}
		}
	}
	return best
}

// each calls f for every group, queue by queue, oldest first; f may remove
// the group it is given.
func (q *queues) each(f func(*Incident)) {
	for i := range q.qs {
		for el := q.qs[i].Front(); el != nil; {
			next := el.Next()
			f(el.Value.(*Incident))
			el = next
		}
	}
}
