package rules

import (
	"fmt"
	"time"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// NoBackendsName is rule 6: connections to a Service are refused or reset
// while its pods terminate or turn unready, per Service. The Service comes
// from Event.Peer, which the enrichment processor fills from the address.
const NoBackendsName = "service_no_backends"

const (
	roleRefused       = "refused"
	roleBackendGone   = "backend_gone"
	roleBackendUnread = "backend_unready"
)

type noBackends struct{ p Params }

// NewNoBackends builds rule 6; Threshold is the failed connections that
// make an incident.
func NewNoBackends(p Params) engine.Rule { return &noBackends{p: p} }

type backendData struct{ Gone []string }

func (*noBackends) Name() string            { return NoBackendsName }
func (r *noBackends) Window() time.Duration { return r.p.Window }
func (*noBackends) Names() []unifiedevent.Name {
	return []unifiedevent.Name{unifiedevent.NameTCPState, unifiedevent.NameTCPReset, unifiedevent.NameK8sObject}
}

func connectFailed(ev *unifiedevent.Event) bool {
	if ev.Name == unifiedevent.NameTCPReset {
		return true
	}
	n := ev.Network
	return ev.Name == unifiedevent.NameTCPState && n != nil && n.OldState == "syn_sent" && n.State == "close"
}

func notReady(o *unifiedevent.K8sObject) bool {
	for _, c := range o.Conditions {
		if c.Type == "Ready" && c.Status != "True" {
			return true
		}
	}
	return false
}

func (*noBackends) Match(in engine.Input, out []engine.Signal) []engine.Signal {
	ev := in.Event
	if connectFailed(ev) {
		p := ev.Peer
		if p == nil || p.Namespace == "" {
			return out
		}
		for _, svc := range p.Services {
			out = append(out, engine.Signal{Key: engine.Key{Namespace: p.Namespace, Kind: "Service", Name: svc}, Role: roleRefused, Opens: true})
		}
		return out
	}
	k := ev.K8s
	if !isPodObject(ev) || k == nil || k.Namespace == "" {
		return out
	}
	role := ""
	switch {
	case ev.K8sObject.Change == "DELETED":
		role = roleBackendGone
	case notReady(ev.K8sObject):
		role = roleBackendUnread
	default:
		return out
	}
	// Backends go before connections fail, so they may start the group;
	// only refusals make it an incident.
	for _, svc := range k.Services {
		out = append(out, engine.Signal{Key: engine.Key{Namespace: k.Namespace, Kind: "Service", Name: svc}, Role: role, Opens: true})
	}
	return out
}

func (*noBackends) Observe(inc *engine.Incident, in engine.Input, sig engine.Signal) {
	if sig.Role == roleBackendGone || sig.Role == roleBackendUnread {
		d := state[backendData](inc)
		d.Gone = addCapped(d.Gone, in.Event.K8s.PodName)
	}
}

func (r *noBackends) Assess(inc *engine.Incident) engine.Verdict {
	d := state[backendData](inc)
	refused := inc.Roles(roleRefused)
	if refused < r.p.Threshold {
		return engine.Verdict{}
	}
	c, cause := 0.5, "connections refused"
	if len(d.Gone) > 0 {
		c, cause = 0.85, "no ready backends"
	}
	s := fmt.Sprintf("service %s: %s%s, %s", inc.Key.Short(), plural(refused, "connection refused or reset", "connections refused or reset"), within(inc.First, inc.Last), cause)
	if len(d.Gone) > 0 {
		s += fmt.Sprintf(" (%s terminating or unready)", plural(len(d.Gone), "backend pod", "backend pods"))
	}
	return engine.Verdict{Open: true, RootCause: cause, Confidence: confidence(c), Summary: s}
}

// NewData makes an empty state for a restored incident to decode into.
func (*noBackends) NewData() any { return new(backendData) }
