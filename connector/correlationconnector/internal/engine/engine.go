package engine

import (
	"errors"
	"fmt"
	"hash/maphash"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// Options bound the engine's state.
type Options struct {
	// MaxIncidents caps the groups held, candidates and open incidents
	// together; at the cap the least recently touched one is evicted.
	MaxIncidents int
	// MaxEventsPerIncident caps the members kept per incident; later
	// members are still counted and still get the incident's trace id.
	MaxEventsPerIncident int
	// TTL closes an incident that had no new member for this long.
	TTL time.Duration
	// Lateness is how far behind the newest event time an event may be
	// and still join; older ones pass uncorrelated and are counted.
	Lateness time.Duration
	// UpdateInterval is the least event time between two updated records
	// of one incident; changes in between are folded into the next one
	// (or the closed record), so a busy incident is not a record flood.
	UpdateInterval time.Duration
}

// Counters are the engine's drops and evictions since the last Drain.
type Counters struct {
	Late, NoTime, Duplicate           int
	EvictedOpen, EvictedCandidates    int
	MembersDropped, CandidatesExpired int
	Opened, Closed                    int
}

// Transition is one change to report: an incident opened, got new members
// or closed. Incident is live; read it before the next Process call.
type Transition struct {
	Incident *Incident
	State    string // unifiedevent.IncidentOpened, Updated or Closed
	// Reason says why it closed: expired (quiet for the TTL) or evicted.
	Reason string
	// Spans are the members not reported before, to draw as spans.
	Spans []Member
}

// Annotation ties a member event to the open incident it joined.
type Annotation struct {
	Incident *Incident
	Role     string
	// Kept reports whether the event is among the incident's kept
	// members, and so has a span.
	Kept bool
}

// Engine is not safe for concurrent use; the connector serialises calls.
type Engine struct {
	opts      Options
	rules     []Rule
	byName    map[unifiedevent.Name][]int
	groups    sumMap[*Incident]
	queues    queues
	watermark time.Time
	out       []Transition
	changed   []*Incident
	counters  Counters
	sigs      []Signal
	subjects  subjects
	seed      maphash.Seed
	sums      summer
	// openCount is the open incidents per rule, kept as they open and
	// close so the metrics output does not walk every group per batch.
	openCount []int
	// nextDue is the earliest time a changed incident may report again,
	// so Drain skips the changed list until then.
	nextDue time.Time
	// deferred are the rules that implement Deferred; lates is their
	// scratch.
	deferred []int
	lates    []Late
	// closed remembers the ids of recently ended incidents: an event that
	// would start one again is a re-delivery of its first event.
	closed recent
}

// ErrNoRules means every rule is disabled: the connector would only pass
// events through.
var ErrNoRules = errors.New("no rules enabled")

// New builds an engine over rules, which are consulted in order.
func New(opts Options, rules []Rule) (*Engine, error) {
	if len(rules) == 0 {
		return nil, ErrNoRules
	}
	if opts.MaxIncidents <= 0 || opts.MaxEventsPerIncident <= 0 || opts.TTL <= 0 || opts.Lateness < 0 || opts.UpdateInterval < 0 {
		return nil, fmt.Errorf("engine options %+v: bounds must be positive", opts)
	}
	e := &Engine{
		opts: opts, rules: rules, byName: map[unifiedevent.Name][]int{}, groups: newSumMap[*Incident](0),
		subjects:  subjects{max: 4 * opts.MaxIncidents},
		sums:      newSummer(),
		openCount: make([]int, len(rules)),
		closed:    recent{max: opts.MaxIncidents},
		seed:      maphash.MakeSeed(),
	}
	e.queues.init(len(rules))
	for i, r := range rules {
		if _, ok := r.(Deferred); ok {
			e.deferred = append(e.deferred, i)
		}
		for _, n := range r.Names() {
			e.byName[n] = append(e.byName[n], i)
		}
	}
	return e, nil
}

// Wants reports whether any rule looks at an event named n with this
// severity and trace context, so callers can skip decoding the rest.
func (e *Engine) Wants(n unifiedevent.Name, severity plog.SeverityNumber, traced bool) bool {
	for _, ri := range e.byName[n] {
		if pf, ok := e.rules[ri].(Prefilter); !ok || pf.Wants(severity, traced) {
			return true
		}
	}
	return false
}

// Open is the number of groups held, candidates included.
func (e *Engine) Open() int { return e.groups.len() }

// Remembered is how many ended incidents' ids the engine keeps to refuse
// late members; it grows to MaxIncidents and stays there.
func (e *Engine) Remembered() int { return len(e.closed.set) }

// Watermark is the newest event time seen.
func (e *Engine) Watermark() time.Time { return e.watermark }

// Process feeds one event. It returns the first open incident the event
// joined, so the caller can mark the event; ok is false when it joined none.
func (e *Engine) Process(in Input) (Annotation, bool) {
	ev := in.Event
	idx := e.byName[ev.Name]
	if len(idx) == 0 {
		return Annotation{}, false
	}
	t := ev.Time
	if t.IsZero() {
		t = ev.ObservedTime
	}
	if t.IsZero() {
		e.counters.NoTime++
		return Annotation{}, false
	}
	if t.Before(e.watermark.Add(-e.opts.Lateness)) {
		e.counters.Late++
		return Annotation{}, false
	}
	if t.After(e.watermark) {
		e.watermark = t
		e.expireOldest()
		e.due()
	}
	// The event is the caller's decoded copy, never written back, so
	// completing its subject here is safe.
	e.sums.forget()
	e.subjects.fill(e.sums, ev.K8s)
	var ann Annotation
	found := false
	subj := e.sums.subject(ev.K8s, in.Node)
	// The id's hash is the same for every group the event joins: an OOM
	// kill joins two, and hashing once spares one pass over the id.
	idh := maphash.String(e.seed, ev.ID)
	for _, ri := range idx {
		r := e.rules[ri]
		e.sigs = r.Match(in, e.sigs[:0])
		for _, s := range e.sigs {
			if a, ok := e.apply(ri, r, in, s, t, subj, idh); ok && !found {
				ann, found = a, true
			}
		}
	}
	return ann, found
}

// apply puts one signal of in into its group.
func (e *Engine) apply(ri int, r Rule, in Input, s Signal, t time.Time, subj, idh uint64) (Annotation, bool) {
	inc := e.groupFor(ri, r, s, t, in.Event)
	if inc == nil {
		return Annotation{}, false
	}
	kept, dup := e.join(inc, in, s, t, subj, idh)
	if dup || !inc.open {
		return Annotation{}, false
	}
	return Annotation{Incident: inc, Role: s.Role, Kept: kept}, true
}

// groupFor finds the group s belongs to, closing one whose window has
// passed and starting one when s may open it.
func (e *Engine) groupFor(ri int, r Rule, s Signal, t time.Time, ev *unifiedevent.Event) *Incident {
	k := e.sums.group(ri, s.Key)
	inc, _ := e.groups.get(k)
	if inc != nil {
		switch w := r.Window(); {
		case t.After(inc.Last.Add(w)):
			// A new episode for the same key: the old one is over.
			e.remove(inc, "expired")
			inc = nil
		case t.Before(inc.First.Add(-w)):
			// Late enough to belong to an episode already gone.
			return nil
		}
	}
	if inc != nil || !s.Opens {
		return inc
	}
	if e.groups.len() >= e.opts.MaxIncidents {
		e.evict()
	}
	id := incidentID(r.Name(), s.Key.String(), ev.ID)
	if e.closed.has(id) {
		e.counters.Duplicate++
		return nil
	}
	inc = &Incident{
		ID: id, Rule: r, Key: s.Key, TraceID: traceID(id), RootSpanID: spanID(id, "root"),
		First: t, Last: t,
	}
	if !s.TraceID.IsEmpty() {
		inc.TraceID = s.TraceID
	}
	inc.ruleIdx, inc.sum = ri, k
	e.queues.push(inc)
	e.groups.set(k, inc)
	return inc
}

// join adds the event to inc; h is the hash of its id.
func (e *Engine) join(inc *Incident, in Input, s Signal, t time.Time, subj, h uint64) (kept, dup bool) {
	ev := in.Event
	if inc.mayHave(h) {
		for i, x := range inc.hashes {
			if x == h && inc.Members[i].EventID == ev.ID {
				e.counters.Duplicate++
				return false, true
			}
		}
	}
	inc.Count++
	if t.Before(inc.First) {
		inc.First = t
	}
	if t.After(inc.Last) {
		inc.Last = t
	}
	if len(inc.Members) < e.opts.MaxEventsPerIncident {
		inc.Members = append(inc.Members, Member{
			EventID: ev.ID, Name: ev.Name, Role: s.Role, Time: t, Message: ev.Message,
			SpanID: spanID(inc.ID, ev.ID),
		})
		inc.addHash(h)
		kept = true
	} else {
		e.counters.MembersDropped++
	}
	inc.addRole(s.Role)
	inc.Impact.add(ev, in.Node, subj)
	inc.Rule.Observe(inc, in, s)
	wasOpen := inc.open
	// An open incident's verdict is read again at Drain, once per batch:
	// summaries are text, too dear to build for every member.
	// A candidate keeps its verdict only once it opens: nothing reads a
	// closed verdict's text, and the store was a cold line written on
	// every member of a candidate that never opens.
	opens := false
	if !inc.open {
		if v := inc.Rule.Assess(inc); v.Open {
			inc.verdict, opens = v, true
		}
	}
	defer e.queues.touch(inc, wasOpen)
	switch {
	case opens:
		// changed stays set until Drain, folding this batch's later
		// members into the opened record.
		inc.open, inc.changed = true, true
		e.openCount[inc.ruleIdx]++
		inc.reported = e.watermark
		e.counters.Opened++
		e.out = append(e.out, Transition{Incident: inc, State: unifiedevent.IncidentOpened})
	case inc.open && !inc.changed:
		inc.changed = true
		e.changed = append(e.changed, inc)
		if due := inc.reported.Add(e.opts.UpdateInterval); len(e.changed) == 1 || due.Before(e.nextDue) {
			e.nextDue = due
		}
	}
	return kept, false
}
