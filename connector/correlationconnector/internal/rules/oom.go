package rules

import (
	"fmt"
	"time"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// OOMName is rule 1: kernel OOM kill -> container exit 137 (SIGKILL) ->
// pod restart with OOMKilled status -> BackOff event, per workload.
const OOMName = "oom"

// Roles of the OOM rule.
const (
	roleOOMKill   = "oom_kill"
	roleKilled    = "killed_exit"
	roleOOMStatus = "oom_status"
	roleBackOff   = "backoff"
)

type oom struct{ p Params }

// NewOOM builds rule 1.
func NewOOM(p Params) engine.Rule { return &oom{p: p} }

type oomData struct {
	Process    string
	Limit, Rss int64
	NodeWide   bool
	Restarts   map[int64]bool
}

func (*oom) Name() string            { return OOMName }
func (r *oom) Window() time.Duration { return r.p.Window }
func (*oom) Names() []unifiedevent.Name {
	return []unifiedevent.Name{unifiedevent.NameOOMKill, unifiedevent.NameProcessExit, unifiedevent.NameK8sObject, unifiedevent.NameK8sEvent}
}

func (*oom) Match(in engine.Input, out []engine.Signal) []engine.Signal {
	ev := in.Event
	key := workloadKey(ev.K8s)
	if key.IsZero() {
		// An OOM kill of a host process is the node's business, not a
		// workload's: no pod, no OOM incident.
		return out
	}
	switch {
	case ev.Name == unifiedevent.NameOOMKill:
		return append(out, engine.Signal{Key: key, Role: roleOOMKill, Opens: true})
	case ev.Name == unifiedevent.NameProcessExit:
		if killed(ev) {
			return append(out, engine.Signal{Key: key, Role: roleKilled})
		}
	case isPodObject(ev):
		if oomContainer(ev.K8sObject) != nil {
			return append(out, engine.Signal{Key: key, Role: roleOOMStatus, Opens: true})
		}
	case isReason(ev, "BackOff"):
		return append(out, engine.Signal{Key: key, Role: roleBackOff})
	}
	return out
}

// killed is an exit by SIGKILL, which the eBPF decoder reports as Kernel.
// Signal 9, or the shell's 137 when a runtime reports it as a status.
func killed(ev *unifiedevent.Event) bool {
	if ev.Kernel != nil && ev.Kernel.Signal == 9 {
		return true
	}
	return ev.Process != nil && ev.Process.ExitCode != nil && *ev.Process.ExitCode == 137
}

func oomContainer(o *unifiedevent.K8sObject) *unifiedevent.K8sContainer {
	for i, c := range o.Containers {
		if c.Reason == "OOMKilled" || c.LastReason == "OOMKilled" {
			return &o.Containers[i]
		}
	}
	return nil
}

func (*oom) Observe(inc *engine.Incident, in engine.Input, sig engine.Signal) {
	d, _ := inc.Data.(*oomData)
	if d == nil {
		d = &oomData{}
		inc.Data = d
	}
	ev := in.Event
	switch sig.Role {
	case roleOOMKill:
		if ev.Process != nil && ev.Process.ExecutableName != "" {
			d.Process = ev.Process.ExecutableName
		}
		if ev.Kernel != nil && ev.Kernel.OOM != nil {
			o := ev.Kernel.OOM
			d.Limit = max(d.Limit, o.MemoryLimitBytes)
			d.Rss = max(d.Rss, o.RSSBytes)
			d.NodeWide = o.MemoryCgroup == ""
		}
	case roleOOMStatus:
		// The pod keeps OOMKilled as its last state across updates; each
		// restart count is one kill.
		if c := oomContainer(ev.K8sObject); c != nil {
			if d.Restarts == nil {
				d.Restarts = map[int64]bool{}
			}
			if len(d.Restarts) < 64 {
				d.Restarts[c.Restarts] = true
			}
		}
	}
}

func (r *oom) Assess(inc *engine.Incident) engine.Verdict {
	d, _ := inc.Data.(*oomData)
	kills, statuses := inc.Roles(roleOOMKill), 0
	if d != nil {
		statuses = len(d.Restarts)
	}
	if kills == 0 && statuses == 0 {
		return engine.Verdict{}
	}
	c := 0.5
	if kills > 0 {
		c = 0.8
		if statuses > 0 {
			c += 0.1
		}
	}
	if inc.Roles(roleKilled) > 0 {
		c += 0.05
	}
	if inc.Roles(roleBackOff) > 0 {
		c += 0.05
	}
	n := max(kills, statuses)
	cause, detail := "memory limit reached", "memory limit reached"
	switch {
	case d.NodeWide && kills > 0:
		cause, detail = "node out of memory", "node out of memory"
	case d.Limit > 0:
		detail = "memory limit " + bytesText(d.Limit) + " reached"
	case d.Rss > 0:
		detail = "memory limit reached at rss " + bytesText(d.Rss)
	}
	if d.Process != "" {
		detail += " by process " + d.Process
	}
	return engine.Verdict{
		Open: true, RootCause: cause, Confidence: confidence(c),
		Summary: fmt.Sprintf("%s OOMKilled %s%s: %s", inc.Key.Short(), plural(n, "time", "times"), within(inc.First, inc.Last), detail),
	}
}

// NewData makes an empty state for a restored incident to decode into.
func (*oom) NewData() any { return new(oomData) }
