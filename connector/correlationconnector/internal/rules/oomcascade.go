package rules

import (
	"fmt"
	"slices"
	"time"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// OOMCascadeName is rule 7: one pod is OOM killed, then other pods behind
// the same Service restart (they took its load, or depended on it), per
// Service.
const OOMCascadeName = "oom_cascade"

const (
	roleFirstOOM    = "oom"
	rolePeerRestart = "peer_restart"
)

type oomCascade struct{ p Params }

// NewOOMCascade builds rule 7; Threshold is how many other pods must
// restart.
func NewOOMCascade(p Params) engine.Rule { return &oomCascade{p: p} }

// cascadeData puts each list beside its set: a member of a candidate
// reads OomPods and oomSet only, and in this order they share the first
// cache line of the state.
type cascadeData struct {
	OomPods   []string
	oomSet    cappedSet
	OtherPods []string
	otherSet  cappedSet
}

func (*oomCascade) Name() string            { return OOMCascadeName }
func (r *oomCascade) Window() time.Duration { return r.p.Window }
func (*oomCascade) Names() []unifiedevent.Name {
	return []unifiedevent.Name{unifiedevent.NameOOMKill, unifiedevent.NameK8sObject, unifiedevent.NameK8sEvent, unifiedevent.NameProcessExit}
}

func (*oomCascade) Match(in engine.Input, out []engine.Signal) []engine.Signal {
	ev := in.Event
	k := ev.K8s
	if k == nil || k.Namespace == "" || k.PodName == "" || len(k.Services) == 0 {
		return out
	}
	role, opens := "", false
	switch {
	case ev.Name == unifiedevent.NameOOMKill, isPodObject(ev) && oomContainer(ev.K8sObject) != nil:
		role, opens = roleFirstOOM, true
	case restarted(ev), ev.Name == unifiedevent.NameProcessExit && failedExit(ev):
		role = rolePeerRestart
	default:
		return out
	}
	for _, svc := range k.Services {
		out = append(out, engine.Signal{Key: engine.Key{Namespace: k.Namespace, Kind: "Service", Name: svc}, Role: role, Opens: opens})
	}
	return out
}

func (*oomCascade) Observe(inc *engine.Incident, in engine.Input, sig engine.Signal) {
	d := state[cascadeData](inc)
	pod := in.Event.K8s.PodName
	// Storing the list back only when it grew keeps a repeated pod, the
	// common member, a read of the state.
	if sig.Role == roleFirstOOM {
		if p := d.oomSet.add(d.OomPods, pod); len(p) != len(d.OomPods) {
			d.OomPods = p
		}
		return
	}
	if p := d.otherSet.add(d.OtherPods, pod); len(p) != len(d.OtherPods) {
		d.OtherPods = p
	}
}

// others are the restarted pods that were not OOM killed themselves.
func (d *cascadeData) others() []string {
	var out []string
	for _, p := range d.OtherPods {
		if !slices.Contains(d.OomPods, p) {
			out = append(out, p)
		}
	}
	return out
}

func (r *oomCascade) Assess(inc *engine.Incident) engine.Verdict {
	d := state[cascadeData](inc)
	others := d.others()
	if len(d.OomPods) == 0 || len(others) < r.p.Threshold {
		return engine.Verdict{}
	}
	c := confidence(0.5 + 0.1*float64(len(others)))
	cause := "pod " + d.OomPods[0] + " OOMKilled"
	s := fmt.Sprintf("service %s: pod %s OOMKilled, then %s behind the same service restarted%s",
		inc.Key.Short(), d.OomPods[0], plural(len(others), "other pod", "other pods"), within(inc.First, inc.Last))
	return engine.Verdict{Open: true, RootCause: cause, Confidence: c, Summary: s}
}

// NewData makes an empty state for a restored incident to decode into.
func (*oomCascade) NewData() any { return new(cascadeData) }
