package rules

import (
	"fmt"
	"time"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// ConfigChangeName is rule 10: a ConfigMap or Secret changed, then pods in
// its namespace restart or fail, per namespace. The UnifiedEvent does not
// say which pods mount what, so the link is by namespace and time only and
// the confidence says so.
const ConfigChangeName = "config_change"

const (
	roleConfigChanged = "config_changed"
	rolePodRestarted  = "pod_restarted"
)

type configChange struct{ p Params }

// NewConfigChange builds rule 10; Threshold is the restarts after the
// change that make an incident.
func NewConfigChange(p Params) engine.Rule { return &configChange{p: p} }

type configData struct {
	Changed time.Time
	Objects []string
	After   int
}

func (*configChange) Name() string            { return ConfigChangeName }
func (r *configChange) Window() time.Duration { return r.p.Window }
func (*configChange) Names() []unifiedevent.Name {
	return []unifiedevent.Name{unifiedevent.NameK8sObject, unifiedevent.NameK8sEvent}
}

func (*configChange) Match(in engine.Input, out []engine.Signal) []engine.Signal {
	ev := in.Event
	if ev.K8s == nil || ev.K8s.Namespace == "" {
		return out
	}
	key := engine.Key{Namespace: ev.K8s.Namespace}
	if o := ev.K8sObject; ev.Name == unifiedevent.NameK8sObject && o != nil && (o.Kind == "ConfigMap" || o.Kind == "Secret") {
		// A change, not the initial list or a deletion.
		if o.Change == "MODIFIED" {
			return append(out, engine.Signal{Key: key, Role: roleConfigChanged, Opens: true})
		}
		return out
	}
	if restarted(ev) {
		return append(out, engine.Signal{Key: key, Role: rolePodRestarted})
	}
	return out
}

func (*configChange) Observe(inc *engine.Incident, in engine.Input, sig engine.Signal) {
	d := state[configData](inc)
	ev := in.Event
	switch sig.Role {
	case roleConfigChanged:
		if d.Changed.IsZero() || ev.Time.Before(d.Changed) {
			d.Changed = ev.Time
		}
		d.Objects = addCapped(d.Objects, ev.K8sObject.Kind+" "+ev.K8sObject.Name)
	case rolePodRestarted:
		// Only what follows the change can be its effect.
		if !d.Changed.IsZero() && ev.Time.After(d.Changed) {
			d.After++
		}
	}
}

func (r *configChange) Assess(inc *engine.Incident) engine.Verdict {
	d := state[configData](inc)
	if len(d.Objects) == 0 || d.After < r.p.Threshold {
		return engine.Verdict{}
	}
	cause := d.Objects[0] + " changed"
	s := fmt.Sprintf("namespace %s: %s, then %s%s (mounts not verified)",
		inc.Key.Namespace, cause, plural(d.After, "pod restart or failure", "pod restarts or failures"), within(inc.First, inc.Last))
	return engine.Verdict{Open: true, RootCause: cause, Confidence: confidence(0.3 + 0.05*float64(min(d.After, 6))), Summary: s}
}

// NewData makes an empty state for a restored incident to decode into.
func (*configChange) NewData() any { return new(configData) }
