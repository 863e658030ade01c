package engine

import (
	"cmp"
	"slices"
	"time"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// quietFor is how long a group may go without members before it ends: its
// rule's window for a candidate, the TTL for an open incident, each plus
// the lateness, since a late member may still arrive.
func (e *Engine) quietFor(inc *Incident) time.Duration {
	if inc.open {
		return e.opts.TTL + e.opts.Lateness
	}
	return inc.Rule.Window() + e.opts.Lateness
}

func (e *Engine) expired(inc *Incident) bool {
	return e.watermark.Sub(inc.Last) > e.quietFor(inc)
}

// expireOldest ends groups over their time from the front of each queue,
// stopping at the first live one, which keeps the per-event cost constant.
func (e *Engine) expireOldest() {
	for i := range e.queues.qs {
		q := &e.queues.qs[i]
		for inc := q.head; inc != nil; inc = q.head {
			if !e.expired(inc) {
				break
			}
			e.remove(inc, "expired")
		}
	}
}

// Advance moves the engine's clock to t when no event did (the input went
// quiet), and ends every group over its time.
func (e *Engine) Advance(t time.Time) {
	if t.After(e.watermark) {
		e.watermark = t
		e.due()
	}
	// Oldest touched first, across queues, as one queue used to.
	var due []*Incident
	e.queues.each(func(inc *Incident) {
		if e.expired(inc) {
			due = append(due, inc)
		}
	})
	slices.SortFunc(due, func(a, b *Incident) int { return cmp.Compare(a.touched, b.touched) })
	for _, inc := range due {
		e.remove(inc, "expired")
	}
}

func (e *Engine) evict() {
	inc := e.queues.oldest()
	if inc == nil {
		return
	}
	if inc.open {
		e.counters.EvictedOpen++
	} else {
		e.counters.EvictedCandidates++
	}
	e.remove(inc, "evicted")
}

// remove forgets a group; an open incident gets its closed transition.
func (e *Engine) remove(inc *Incident, reason string) {
	e.queues.remove(inc)
	e.groups.delete(inc.sum)
	if !inc.open {
		if reason == "expired" {
			e.counters.CandidatesExpired++
		}
		return
	}
	e.counters.Closed++
	e.openCount[inc.ruleIdx]--
	e.closed.add(inc.ID)
	inc.verdict = inc.Rule.Assess(inc)
	inc.changed = false
	e.out = append(e.out, Transition{Incident: inc, State: unifiedevent.IncidentClosed, Reason: reason, Spans: e.newSpans(inc)})
}

func (e *Engine) newSpans(inc *Incident) []Member {
	s := inc.Members[inc.exported:]
	inc.exported = len(inc.Members)
	return s
}

// Drain returns the transitions since the last Drain, updates folded into
// one per incident, and the counters, both reset.
func (e *Engine) Drain() ([]Transition, Counters) {
	if len(e.changed) > 0 && !e.watermark.Before(e.nextDue) {
		e.reportChanged()
	}
	out := e.out
	for i := range out {
		inc := out[i].Incident
		if out[i].State == unifiedevent.IncidentClosed {
			continue
		}
		inc.verdict = inc.Rule.Assess(inc)
		if out[i].State == unifiedevent.IncidentOpened {
			inc.changed = false
		}
		out[i].Spans = e.newSpans(inc)
	}
	e.out = nil
	c := e.counters
	e.counters = Counters{}
	return out, c
}

// reportChanged emits an updated record for each changed incident whose
// last report is UpdateInterval old, and keeps the others for later.
func (e *Engine) reportChanged() {
	keep := e.changed[:0]
	for _, inc := range e.changed {
		switch {
		case !inc.changed:
			// Closed, or reported as opened, since it changed.
		case e.watermark.Sub(inc.reported) < e.opts.UpdateInterval:
			if due := inc.reported.Add(e.opts.UpdateInterval); len(keep) == 0 || due.Before(e.nextDue) {
				e.nextDue = due
			}
			keep = append(keep, inc)
		default:
			inc.changed = false
			inc.reported = e.watermark
			e.out = append(e.out, Transition{Incident: inc, State: unifiedevent.IncidentUpdated})
		}
	}
	clear(e.changed[len(keep):])
	e.changed = keep
}

// OpenByRule counts the open incidents per rule name, every enabled rule
// present, so a gauge drops to zero instead of vanishing.
func (e *Engine) OpenByRule() map[string]int {
	out := make(map[string]int, len(e.rules))
	for i, r := range e.rules {
		out[r.Name()] = e.openCount[i]
	}
	return out
}
