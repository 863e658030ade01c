package unifiedevent

import (
	"math"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Attributes of the correlation connector. An incident record carries all
// three; a member event gets AttrIncidentID and AttrIncidentRule (plus its
// role), so a backend can pull every event of one incident with one filter.
const (
	AttrIncidentID    = "tapio.incident.id"
	AttrIncidentRule  = "tapio.incident.rule"
	AttrIncidentState = "tapio.incident.state"
	// AttrIncidentRole is set on member events only: the part the event
	// plays in its incident (oom_kill, exit, backoff …), named by the rule.
	AttrIncidentRole = "tapio.incident.role"
)

// Incident states, one incident record per transition.
const (
	IncidentOpened  = "opened"
	IncidentUpdated = "updated"
	IncidentClosed  = "closed"
)

// Incident is the correlation connector's explanation of related events:
// the root cause, what it hit and the evidence. The human summary line is
// the Event's Message; the main subject (workload, pod, node) is Event.K8s
// so the k8s.* attributes group incidents like any other event.
type Incident struct {
	// id → tapio.incident.id: derived from the rule, the correlation key
	// and the first member, so the same input yields the same id.
	ID    string
	Rule  string // rule → tapio.incident.rule: oom, crash_loop, cni_setup …
	State string // state → tapio.incident.state: opened, updated, closed
	// root_cause: what the rule concluded, in one phrase ("memory limit
	// reached", "CNI ADD failed: no IP addresses available").
	RootCause string
	// confidence: 0..1, higher when more links of the rule's causal chain
	// were observed.
	Confidence float64
	FirstSeen  time.Time // first_seen: time of the earliest member
	LastSeen   time.Time // last_seen: time of the latest member
	// event_count: members seen, which can exceed len(MemberIDs) when the
	// per-incident cap dropped some ids.
	EventCount int64
	MemberIDs  []string // member_ids: tapio.event.id of the kept members, in arrival order
	// Impacted objects, each sorted: pods and services as namespace/name,
	// workloads as namespace/Kind/name, nodes by name.
	Pods      []string // pods
	Workloads []string // workloads
	Nodes     []string // nodes
	Services  []string // services
}

func (i *Incident) writeBody(m pcommon.Map) {
	putStr(m, "id", i.ID)
	putStr(m, "rule", i.Rule)
	putStr(m, "state", i.State)
	putStr(m, "root_cause", i.RootCause)
	if i.Confidence != 0 {
		m.PutDouble("confidence", i.Confidence)
	}
	putTime(m, "first_seen", i.FirstSeen)
	putTime(m, "last_seen", i.LastSeen)
	putInt(m, "event_count", i.EventCount)
	putStrs(m, "member_ids", i.MemberIDs)
	putStrs(m, "pods", i.Pods)
	putStrs(m, "workloads", i.Workloads)
	putStrs(m, "nodes", i.Nodes)
	putStrs(m, "services", i.Services)
}

func (i *Incident) writeAttrs(a pcommon.Map) {
	putStr(a, AttrIncidentID, i.ID)
	putStr(a, AttrIncidentRule, i.Rule)
	putStr(a, AttrIncidentState, i.State)
}

func readIncident(f *fields) *Incident {
	if f == nil {
		return nil
	}
	i := &Incident{
		ID:         f.str("id"),
		Rule:       f.str("rule"),
		State:      f.str("state"),
		RootCause:  f.str("root_cause"),
		Confidence: f.float("confidence"),
		FirstSeen:  f.time("first_seen"),
		LastSeen:   f.time("last_seen"),
		EventCount: f.nonNegative("event_count"),
		MemberIDs:  f.strs("member_ids"),
		Pods:       f.strs("pods"),
		Workloads:  f.strs("workloads"),
		Nodes:      f.strs("nodes"),
		Services:   f.strs("services"),
	}
	if i.Confidence < 0 || i.Confidence > 1 || math.IsNaN(i.Confidence) {
		f.fail("confidence", "%v out of range 0..1", i.Confidence)
		i.Confidence = 0
	}
	if !f.set {
		return nil
	}
	return i
}

// float reads a double; JSON round trips can turn a whole-number double
// into an int, so an int is accepted too.
func (f *fields) float(key string) float64 {
	if *f.err != nil {
		return 0
	}
	v, ok := f.m.Get(key)
	if !ok || v.Type() == pcommon.ValueTypeEmpty {
		return 0
	}
	var x float64
	switch v.Type() {
	case pcommon.ValueTypeDouble:
		x = v.Double()
	case pcommon.ValueTypeInt:
		x = float64(v.Int())
	default:
		f.fail(key, "got %s, want %s", v.Type(), pcommon.ValueTypeDouble)
		return 0
	}
	if x != 0 {
		f.set = true
	}
	return x
}
