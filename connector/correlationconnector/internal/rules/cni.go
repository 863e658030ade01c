package rules

import (
	"fmt"
	"time"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// CNISetupName is rule 3: CNI ADD error -> FailedCreatePodSandBox -> pod
// stuck Pending, per pod (a sandbox belongs to one pod).
const CNISetupName = "cni_setup"

const (
	roleCNIFailed     = "cni_add_failed"
	roleSandboxFailed = "sandbox_failed"
	rolePending       = "pending"
)

type cniSetup struct{ p Params }

// NewCNISetup builds rule 3.
func NewCNISetup(p Params) engine.Rule { return &cniSetup{p: p} }

type cniData struct {
	Plugin, Err, Sandbox string
}

func (*cniSetup) Name() string            { return CNISetupName }
func (r *cniSetup) Window() time.Duration { return r.p.Window }
func (*cniSetup) Names() []unifiedevent.Name {
	return []unifiedevent.Name{unifiedevent.NameCNIAdd, unifiedevent.NameK8sEvent, unifiedevent.NameK8sObject}
}

func (*cniSetup) Match(in engine.Input, out []engine.Signal) []engine.Signal {
	ev := in.Event
	key := podKey(ev.K8s)
	if key.IsZero() {
		return out
	}
	switch {
	case ev.Name == unifiedevent.NameCNIAdd:
		if ev.CNI != nil && ev.CNI.Result == "failure" {
			return append(out, engine.Signal{Key: key, Role: roleCNIFailed, Opens: true})
		}
	case isReason(ev, "FailedCreatePodSandBox"):
		return append(out, engine.Signal{Key: key, Role: roleSandboxFailed, Opens: true})
	case isPodObject(ev):
		if ev.K8sObject.Phase == "Pending" {
			return append(out, engine.Signal{Key: key, Role: rolePending})
		}
	}
	return out
}

func (*cniSetup) Observe(inc *engine.Incident, in engine.Input, sig engine.Signal) {
	d, _ := inc.Data.(*cniData)
	if d == nil {
		d = &cniData{}
		inc.Data = d
	}
	ev := in.Event
	switch sig.Role {
	case roleCNIFailed:
		d.Plugin = ev.CNI.Plugin
		if ev.CNI.Error != "" {
			d.Err = ev.CNI.Error
		}
	case roleSandboxFailed:
		if o := ev.K8sObject; o != nil && o.Event != nil && o.Event.Message != "" {
			d.Sandbox = o.Event.Message
		}
	}
}

func (*cniSetup) Assess(inc *engine.Incident) engine.Verdict {
	d, _ := inc.Data.(*cniData)
	cni, sandbox := inc.Roles(roleCNIFailed), inc.Roles(roleSandboxFailed)
	if cni == 0 && sandbox == 0 {
		return engine.Verdict{}
	}
	c := 0.6
	if cni > 0 {
		c = 0.7
		if sandbox > 0 {
			c = 0.9
		}
	}
	pending := inc.Roles(rolePending) > 0
	if pending {
		c += 0.05
	}
	var cause string
	switch {
	case cni > 0:
		plugin := d.Plugin
		if plugin == "" {
			plugin = "CNI"
		}
		cause = plugin + " ADD failed"
		if d.Err != "" {
			cause += ": " + clipped(d.Err)
		}
	case d.Sandbox != "":
		cause = "pod sandbox creation failed: " + clipped(d.Sandbox)
	default:
		cause = "pod sandbox creation failed"
	}
	s := fmt.Sprintf("%s cannot get a network: %s", inc.Key, cause)
	// A CNI error and the kubelet's report of it are one attempt seen
	// from two sides.
	if n := max(cni, sandbox); n > 1 {
		s += fmt.Sprintf(" (%d attempts%s)", n, within(inc.First, inc.Last))
	}
	if pending {
		s += "; pod stuck Pending"
	}
	return engine.Verdict{Open: true, RootCause: cause, Confidence: confidence(c), Summary: s}
}

// NewData makes an empty state for a restored incident to decode into.
func (*cniSetup) NewData() any { return new(cniData) }
