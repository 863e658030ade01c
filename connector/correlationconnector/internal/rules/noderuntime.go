package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// NodeRuntimeName is rule 4: kubelet or the container runtime failed or
// restarted -> node condition change -> pods on that node restarted or
// evicted, per node.
const NodeRuntimeName = "node_runtime"

const (
	roleUnitFailed    = "unit_failed"
	roleUnitRestarted = "unit_restarted"
	roleNodeCondition = "node_condition"
	rolePodDisrupted  = "pod_disrupted"
)

// DefaultRuntimeUnits are the units a node's pods depend on.
var DefaultRuntimeUnits = []string{"kubelet.service", "containerd.service", "crio.service", "docker.service"}

type nodeRuntime struct {
	p     Params
	units []string
}

// NewNodeRuntime builds rule 4 over the given systemd units.
func NewNodeRuntime(p Params, units []string) engine.Rule {
	return &nodeRuntime{p: p, units: slices.Clone(units)}
}

type nodeData struct {
	Units      []string // "containerd.service failed (exit-code)", capped
	Conditions []string
}

func (*nodeRuntime) Name() string            { return NodeRuntimeName }
func (r *nodeRuntime) Window() time.Duration { return r.p.Window }
func (*nodeRuntime) Names() []unifiedevent.Name {
	return []unifiedevent.Name{unifiedevent.NameUnitState, unifiedevent.NameK8sObject, unifiedevent.NameK8sEvent}
}

func nodeOf(in engine.Input) string {
	if k := in.Event.K8s; k != nil && k.NodeName != "" {
		return k.NodeName
	}
	return in.Node
}

func (r *nodeRuntime) Match(in engine.Input, out []engine.Signal) []engine.Signal {
	ev := in.Event
	n := nodeOf(in)
	if n == "" {
		return out
	}
	node := engine.Key{Name: n}
	switch {
	case ev.Name == unifiedevent.NameUnitState:
		s := ev.Systemd
		if s == nil || !slices.Contains(r.units, s.Unit) {
			return out
		}
		switch {
		case s.ActiveState == "failed":
			return append(out, engine.Signal{Key: node, Role: roleUnitFailed, Opens: true})
		case s.OldActiveState == "active" && s.ActiveState != "active" || s.SubState == "auto-restart":
			return append(out, engine.Signal{Key: node, Role: roleUnitRestarted, Opens: true})
		}
	case ev.Name == unifiedevent.NameK8sObject && ev.K8sObject != nil && ev.K8sObject.Kind == "Node":
		// The decoder sets Reason only when a condition is unhealthy.
		if ev.K8s != nil && ev.K8s.Reason != "" {
			return append(out, engine.Signal{Key: node, Role: roleNodeCondition})
		}
	case isPodObject(ev):
		if ev.K8s != nil && ev.K8s.Reason != "" {
			return append(out, engine.Signal{Key: node, Role: rolePodDisrupted})
		}
	case isReason(ev, "Evicted", "NodeNotReady", "Killing", "BackOff", "NodeHasInsufficientMemory", "ContainerGCFailed"):
		return append(out, engine.Signal{Key: node, Role: rolePodDisrupted})
	}
	return out
}

func (*nodeRuntime) Observe(inc *engine.Incident, in engine.Input, sig engine.Signal) {
	d, _ := inc.Data.(*nodeData)
	if d == nil {
		d = &nodeData{}
		inc.Data = d
	}
	ev := in.Event
	switch sig.Role {
	case roleUnitFailed, roleUnitRestarted:
		s := ev.Systemd
		what := s.Unit + " restarted"
		if sig.Role == roleUnitFailed {
			what = s.Unit + " failed"
			if s.Result != "" && s.Result != "success" {
				what += " (" + s.Result + ")"
			}
		}
		d.Units = addCapped(d.Units, what)
	case roleNodeCondition:
		for _, c := range ev.K8sObject.Conditions {
			bad := c.Status != "False"
			if c.Type == "Ready" {
				bad = c.Status != "True"
			}
			if bad {
				d.Conditions = addCapped(d.Conditions, c.Type+"="+c.Status)
			}
		}
	}
}

func addCapped(s []string, v string) []string {
	if len(s) >= maxCapped || slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

func (*nodeRuntime) Assess(inc *engine.Incident) engine.Verdict {
	d, _ := inc.Data.(*nodeData)
	if inc.Roles(roleUnitFailed)+inc.Roles(roleUnitRestarted) == 0 {
		return engine.Verdict{}
	}
	c := 0.6
	if inc.Roles(roleNodeCondition) > 0 {
		c += 0.15
	}
	pods := len(inc.Impact.Pods)
	if pods > 0 {
		c += 0.2
	}
	cause := strings.Join(d.Units, ", ")
	s := fmt.Sprintf("node %s: %s", inc.Key, cause)
	if len(d.Conditions) > 0 {
		s += "; node condition " + strings.Join(d.Conditions, ", ")
	}
	if pods > 0 {
		s += "; " + plural(pods, "pod", "pods") + " disrupted"
	}
	return engine.Verdict{Open: true, RootCause: cause, Confidence: confidence(c), Summary: s}
}

// NewData makes an empty state for a restored incident to decode into.
func (*nodeRuntime) NewData() any { return new(nodeData) }
