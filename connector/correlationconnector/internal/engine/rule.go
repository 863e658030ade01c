package engine

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// Input is one event as the engine sees it: the decoded event and the node
// of the record's resource, which host-level sources (systemd) only carry
// there.
type Input struct {
	Event *unifiedevent.Event
	Node  string
	// TraceID is the record's trace context, when its source carried one.
	TraceID pcommon.TraceID
}

// Signal says that an event belongs to a rule's story: under which key
// (the object the story is about: a workload, a pod, a node) and in which
// role (a link of the causal chain).
type Signal struct {
	Key  Key
	Role string
	// Opens lets the signal start a new group. A symptom that many causes
	// share (a BackOff event) only joins a group a cause already started,
	// so it never makes an incident on its own.
	Opens bool
	// TraceID, when set on the signal that starts a group, becomes the
	// incident's trace, so its spans land in the trace the events shared.
	TraceID pcommon.TraceID
}

// Verdict is a rule's reading of a group.
type Verdict struct {
	// Open reports whether the group is an incident yet; a group that
	// never opens is dropped when its window passes.
	Open       bool
	RootCause  string
	Confidence float64
	// Summary is the human line of the incident record.
	Summary string
}

// Rule is one kind of incident. Rules are registered with the engine, so a
// new one needs no engine change.
type Rule interface {
	// Name is the rule's config key and the incident's tapio.incident.rule.
	Name() string
	// Names are the event names Match can accept; the engine skips
	// decoding any other record, which is most of them.
	Names() []unifiedevent.Name
	// Window is the longest gap between two members of one incident.
	Window() time.Duration
	// Match appends the signals ev gives this rule to out.
	Match(in Input, out []Signal) []Signal
	// Observe lets the rule keep facts (last exit code, memory limit …)
	// when ev joins inc in role sig.Role; the engine has already counted
	// the role and the impacted objects.
	Observe(inc *Incident, in Input, sig Signal)
	// Assess reads the group after each change.
	Assess(inc *Incident) Verdict
}

// Deferred is implemented by rules whose evidence is an event that did not
// come (a DNS query nobody answered): as the event clock moves the engine
// asks for what fell due up to now, and joins each as if it had arrived.
type Deferred interface {
	Due(now time.Time, out []Late) []Late
}

// Late is a deferred member: the event it stands for (the query, its id
// and subject) at the time it fell due, and its signal.
type Late struct {
	In     Input
	Signal Signal
}

// Prefilter is implemented by rules that read many event names but few
// records (the severe ones, the traced ones): the engine asks it before the
// record is decoded, from what the record's envelope says.
type Prefilter interface {
	Wants(severity plog.SeverityNumber, traced bool) bool
}

// Key names the object a rule's story is about. It is a struct rather than
// one joined string so matching an event allocates nothing; String joins
// the set parts with "/" (ns/Kind/name, ns/pod, node).
type Key struct {
	Namespace, Kind, Name string
}

func (k Key) String() string {
	s := ""
	for _, p := range [...]string{k.Namespace, k.Kind, k.Name} {
		if p == "" {
			continue
		}
		if s != "" {
			s += "/"
		}
		s += p
	}
	return s
}

// Short is the name people use: namespace/name.
func (k Key) Short() string {
	if k.Namespace == "" || k.Name == "" {
		return k.Namespace + k.Name
	}
	return k.Namespace + "/" + k.Name
}

// IsZero reports an unset key, which matches nothing.
func (k Key) IsZero() bool { return k == Key{} }
