package engine

import "hash/maphash"

// due joins what the Deferred rules found due up to the watermark. Their
// events passed through already, so nothing is marked.
func (e *Engine) due() {
	for _, ri := range e.deferred {
		r := e.rules[ri]
		e.lates = r.(Deferred).Due(e.watermark, e.lates[:0])
		for _, l := range e.lates {
			ev := l.In.Event
			e.sums.forget()
			e.subjects.fill(e.sums, ev.K8s)
			subj := e.sums.subject(ev.K8s, l.In.Node)
			e.apply(ri, r, l.In, l.Signal, ev.Time, subj, maphash.String(e.seed, ev.ID))
		}
	}
}
