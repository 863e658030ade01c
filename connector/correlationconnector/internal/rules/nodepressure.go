package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// NodePressureName is rule 9: a node pressure condition -> evictions ->
// pods pending for lack of resources, per node.
const NodePressureName = "node_pressure"

const (
	rolePressure    = "pressure"
	roleEvicted     = "evicted"
	roleUnschedable = "unschedulable"
)

var pressures = []string{"MemoryPressure", "DiskPressure", "PIDPressure"}

type nodePressure struct{ p Params }

// NewNodePressure builds rule 9; Threshold is the evictions that make a
// storm without a pressure condition seen.
func NewNodePressure(p Params) engine.Rule { return &nodePressure{p: p} }

type pressureData struct{ Conditions []string }

func (*nodePressure) Name() string            { return NodePressureName }
func (r *nodePressure) Window() time.Duration { return r.p.Window }
func (*nodePressure) Names() []unifiedevent.Name {
	return []unifiedevent.Name{unifiedevent.NameK8sObject, unifiedevent.NameK8sEvent}
}

func pressureOf(o *unifiedevent.K8sObject) []string {
	var out []string
	for _, c := range o.Conditions {
		for _, p := range pressures {
			if c.Type == p && c.Status == "True" {
				out = append(out, p)
			}
		}
	}
	return out
}

func (*nodePressure) Match(in engine.Input, out []engine.Signal) []engine.Signal {
	ev := in.Event
	node := nodeOf(in)
	if node == "" {
		return out
	}
	key := engine.Key{Name: node}
	switch {
	case ev.Name == unifiedevent.NameK8sObject && ev.K8sObject != nil && ev.K8sObject.Kind == "Node":
		if len(pressureOf(ev.K8sObject)) > 0 {
			return append(out, engine.Signal{Key: key, Role: rolePressure, Opens: true})
		}
	case isReason(ev, "Evicted"):
		return append(out, engine.Signal{Key: key, Role: roleEvicted, Opens: true})
	case isReason(ev, "FailedScheduling"):
		// The scheduler names no node for a pod it could not place; the
		// resource's node is the agent that saw the Event, which is
		// only a guess, so this joins and never opens.
		if m := eventMessage(ev); strings.Contains(m, "Insufficient") {
			return append(out, engine.Signal{Key: key, Role: roleUnschedable})
		}
	}
	return out
}

func eventMessage(ev *unifiedevent.Event) string {
	if o := ev.K8sObject; o != nil && o.Event != nil {
		return o.Event.Message
	}
	return ev.Message
}

func (*nodePressure) Observe(inc *engine.Incident, in engine.Input, sig engine.Signal) {
	if sig.Role != rolePressure {
		return
	}
	d := state[pressureData](inc)
	for _, p := range pressureOf(in.Event.K8sObject) {
		d.Conditions = addCapped(d.Conditions, p)
	}
}

func (r *nodePressure) Assess(inc *engine.Incident) engine.Verdict {
	d := state[pressureData](inc)
	evicted := inc.Roles(roleEvicted)
	if len(d.Conditions) == 0 && evicted < r.p.Threshold {
		return engine.Verdict{}
	}
	c := 0.5
	if len(d.Conditions) > 0 {
		c += 0.2
	}
	if evicted > 0 {
		c += 0.2
	}
	cause := "eviction storm"
	if len(d.Conditions) > 0 {
		cause = "node " + strings.Join(d.Conditions, ", ")
	}
	s := fmt.Sprintf("node %s: %s", inc.Key, cause)
	if evicted > 0 {
		s += "; " + plural(evicted, "pod", "pods") + " evicted"
	}
	if n := inc.Roles(roleUnschedable); n > 0 {
		s += "; " + plural(n, "pod", "pods") + " unschedulable for lack of resources"
	}
	return engine.Verdict{Open: true, RootCause: cause, Confidence: confidence(c), Summary: s + within(inc.First, inc.Last)}
}

// NewData makes an empty state for a restored incident to decode into.
func (*nodePressure) NewData() any { return new(pressureData) }
