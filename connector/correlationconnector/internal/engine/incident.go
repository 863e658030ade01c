package engine

import (
	"container/list"
	"slices"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// Member is one event kept in an incident, enough to list it and draw it as
// a span.
type Member struct {
	EventID string
	Name    unifiedevent.Name
	Role    string
	Time    time.Time
	Message string
	SpanID  pcommon.SpanID
}

type roleCount struct {
	role string
	n    int
}

// Incident is a group of events one rule joined under one key. It is an
// incident proper once its rule's verdict opens it; before that it is a
// candidate.
type Incident struct {
	ID      string
	Rule    Rule
	Key     string
	TraceID pcommon.TraceID
	// RootSpanID is the span the member spans hang from.
	RootSpanID  pcommon.SpanID
	First, Last time.Time
	// Members are the first kept events; Count counts all of them.
	Members []Member
	Count   int
	// Data is the rule's own state (last exit code, memory limit …), set
	// in Observe; the engine never reads it.
	Data   any
	Impact Impact

	roles   []roleCount
	verdict Verdict
	open    bool
	// changed marks an open incident with members not yet reported.
	changed bool
	// exported is how many Members have gone out as spans.
	exported int
	elem     *list.Element
	ruleIdx  int
}

// Roles returns how many members joined in role.
func (in *Incident) Roles(role string) int {
	for _, r := range in.roles {
		if r.role == role {
			return r.n
		}
	}
	return 0
}

func (in *Incident) addRole(role string) {
	for i := range in.roles {
		if in.roles[i].role == role {
			in.roles[i].n++
			return
		}
	}
	in.roles = append(in.roles, roleCount{role: role, n: 1})
}

// Verdict is the rule's latest reading.
func (in *Incident) Verdict() Verdict { return in.verdict }

// Impact is what the incident hit, each list sorted and capped.
type Impact struct {
	Pods, Workloads, Nodes, Services []string
}

// maxImpact caps each impact list: an incident that hits more objects than
// this is described by the first ones; memory per incident stays bounded.
const maxImpact = 32

func addSorted(s []string, v string) []string {
	if v == "" {
		return s
	}
	i, found := slices.BinarySearch(s, v)
	if found || len(s) >= maxImpact {
		return s
	}
	return slices.Insert(s, i, v)
}

func (im *Impact) add(ev *unifiedevent.Event, node string) {
	k := ev.K8s
	if k != nil {
		if k.PodName != "" && k.Namespace != "" {
			im.Pods = addSorted(im.Pods, k.Namespace+"/"+k.PodName)
		}
		if k.WorkloadName != "" && k.Namespace != "" {
			im.Workloads = addSorted(im.Workloads, k.Namespace+"/"+k.WorkloadKind+"/"+k.WorkloadName)
		}
		for _, s := range k.Services {
			if k.Namespace != "" {
				im.Services = addSorted(im.Services, k.Namespace+"/"+s)
			}
		}
		if k.NodeName != "" {
			node = k.NodeName
		}
	}
	im.Nodes = addSorted(im.Nodes, node)
}
