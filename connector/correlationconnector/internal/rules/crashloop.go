package rules

import (
	"fmt"
	"strconv"
	"time"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// CrashLoopName is rule 2: repeated non-zero exits of a container's process
// -> restarts -> BackOff, with the last exit code and the command. OOM
// kills are left to rule 1, so one failure is one incident.
const CrashLoopName = "crash_loop"

const (
	roleExit    = "exit"
	roleRestart = "restart"
)

type crashLoop struct{ p Params }

// NewCrashLoop builds rule 2; Threshold is the exits that make a loop.
func NewCrashLoop(p Params) engine.Rule { return &crashLoop{p: p} }

type crashData struct {
	Code      string
	Command   string
	Container string
	Restarts  int64
	BackOff   bool
}

func (*crashLoop) Name() string            { return CrashLoopName }
func (r *crashLoop) Window() time.Duration { return r.p.Window }
func (*crashLoop) Names() []unifiedevent.Name {
	return []unifiedevent.Name{unifiedevent.NameProcessExit, unifiedevent.NameK8sObject, unifiedevent.NameK8sEvent}
}

func (*crashLoop) Match(in engine.Input, out []engine.Signal) []engine.Signal {
	ev := in.Event
	key := workloadKey(ev.K8s)
	if key.IsZero() {
		return out
	}
	switch {
	case ev.Name == unifiedevent.NameProcessExit:
		if failedExit(ev) {
			return append(out, engine.Signal{Key: key, Role: roleExit, Opens: true})
		}
	case isPodObject(ev):
		if crashedContainer(ev.K8sObject) != nil {
			return append(out, engine.Signal{Key: key, Role: roleRestart, Opens: true})
		}
	case isReason(ev, "BackOff"):
		return append(out, engine.Signal{Key: key, Role: roleBackOff})
	}
	return out
}

// failedExit is a non-zero exit or a fatal signal other than SIGKILL,
// which is how an OOM kill ends a process.
func failedExit(ev *unifiedevent.Event) bool {
	if killed(ev) {
		return false
	}
	if ev.Kernel != nil && ev.Kernel.Signal != 0 {
		return true
	}
	return ev.Process != nil && ev.Process.ExitCode != nil && *ev.Process.ExitCode != 0
}

// crashedContainer is a container that ended with an error and is not an
// OOM victim.
func crashedContainer(o *unifiedevent.K8sObject) *unifiedevent.K8sContainer {
	for i, c := range o.Containers {
		if c.Reason == "OOMKilled" || c.LastReason == "OOMKilled" {
			continue
		}
		failed := c.Reason == "CrashLoopBackOff" ||
			(c.State == "terminated" && c.ExitCode != nil && *c.ExitCode != 0) ||
			(c.Restarts > 0 && c.LastExitCode != nil && *c.LastExitCode != 0)
		if failed {
			return &o.Containers[i]
		}
	}
	return nil
}

func (*crashLoop) Observe(inc *engine.Incident, in engine.Input, sig engine.Signal) {
	d, _ := inc.Data.(*crashData)
	if d == nil {
		d = &crashData{}
		inc.Data = d
	}
	ev := in.Event
	switch sig.Role {
	case roleExit:
		p := ev.Process
		if p == nil {
			p = &unifiedevent.Process{}
		}
		switch {
		case p.ExitCode != nil:
			d.Code = "exit code " + strconv.FormatInt(*p.ExitCode, 10)
		case ev.Kernel != nil:
			d.Code = "signal " + strconv.FormatInt(ev.Kernel.Signal, 10)
		}
		if p.CommandLine != "" {
			d.Command = p.CommandLine
		} else if p.ExecutableName != "" && d.Command == "" {
			d.Command = p.ExecutableName
		}
	case roleRestart:
		c := crashedContainer(ev.K8sObject)
		d.Container = c.Name
		d.Restarts = max(d.Restarts, c.Restarts)
		d.BackOff = d.BackOff || c.Reason == "CrashLoopBackOff"
		code := c.ExitCode
		if code == nil || *code == 0 {
			code = c.LastExitCode
		}
		if code != nil && d.Code == "" {
			d.Code = "exit code " + strconv.FormatInt(*code, 10)
		}
	}
}

func (r *crashLoop) Assess(inc *engine.Incident) engine.Verdict {
	d, _ := inc.Data.(*crashData)
	exits, restarts, backOffs := inc.Roles(roleExit), inc.Roles(roleRestart), inc.Roles(roleBackOff)
	looping := d != nil && (d.BackOff || backOffs > 0)
	if exits < r.p.Threshold && !(looping && exits+restarts > 0) {
		return engine.Verdict{}
	}
	c := 0.6
	if exits > 0 && restarts > 0 {
		c += 0.2
	}
	if looping {
		c += 0.15
	}
	n := max(exits, int(d.Restarts))
	s := fmt.Sprintf("%s crash-looping: %s%s", inc.Key.Short(), plural(n, "failed run", "failed runs"), within(inc.First, inc.Last))
	if d.Code != "" {
		s += ", last " + d.Code
	}
	if d.Command != "" {
		s += " from " + clipped(d.Command)
	} else if d.Container != "" {
		s += " in container " + d.Container
	}
	cause := "process exits with an error"
	if d.Code != "" {
		cause = "process exits with " + d.Code
	}
	return engine.Verdict{Open: true, RootCause: cause, Confidence: confidence(c), Summary: s}
}

// clipped keeps a command line short enough for a summary.
func clipped(s string) string {
	const limit = 80
	if len(s) > limit {
		return s[:limit] + "…"
	}
	return s
}

// NewData makes an empty state for a restored incident to decode into.
func (*crashLoop) NewData() any { return new(crashData) }
