package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// RolloutName is rule 8: a Deployment rolls out a new ReplicaSet whose pods
// fail to schedule, to pull or to start, while the old ones are scaled
// down, per workload.
const RolloutName = "rollout"

const (
	roleScaledUp   = "scaled_up"
	roleScaledDown = "scaled_down"
	rolePodFails   = "pod_failing"
)

// startFailures are the pod reasons that say a new pod cannot run.
var startFailures = map[string]bool{
	"CrashLoopBackOff": true, "ImagePullBackOff": true, "ErrImagePull": true,
	"CreateContainerConfigError": true, "CreateContainerError": true, "InvalidImageName": true,
	"RunContainerError": true, "Error": true, "FailedScheduling": true,
}

type rollout struct{ p Params }

// NewRollout builds rule 8.
func NewRollout(p Params) engine.Rule { return &rollout{p: p} }

type rolloutData struct {
	NewSets []string
	Reasons []string
}

func (*rollout) Name() string            { return RolloutName }
func (r *rollout) Window() time.Duration { return r.p.Window }
func (*rollout) Names() []unifiedevent.Name {
	return []unifiedevent.Name{unifiedevent.NameK8sEvent, unifiedevent.NameK8sObject}
}

// scaled reads the Deployment controller's ScalingReplicaSet message,
// "Scaled up replica set api-7d9f to 3" (older: "Scaled up replica set
// api-7d9f from 1 to 3").
func scaled(msg string) (up bool, set string, ok bool) {
	for _, dir := range []string{"up", "down"} {
		if rest, found := strings.CutPrefix(msg, "Scaled "+dir+" replica set "); found {
			set, _, _ = strings.Cut(rest, " ")
			return dir == "up", set, set != ""
		}
	}
	return false, "", false
}

func (*rollout) Match(in engine.Input, out []engine.Signal) []engine.Signal {
	ev := in.Event
	k := ev.K8s
	if k == nil || k.Namespace == "" || k.WorkloadKind != "Deployment" || k.WorkloadName == "" {
		return out
	}
	key := engine.Key{Namespace: k.Namespace, Kind: k.WorkloadKind, Name: k.WorkloadName}
	switch {
	case isReason(ev, "ScalingReplicaSet"):
		up, _, ok := scaled(eventMessage(ev))
		switch {
		case ok && up:
			return append(out, engine.Signal{Key: key, Role: roleScaledUp, Opens: true})
		case ok:
			return append(out, engine.Signal{Key: key, Role: roleScaledDown})
		}
	case isPodObject(ev) && startFailures[k.Reason], isReason(ev, "FailedScheduling"):
		return append(out, engine.Signal{Key: key, Role: rolePodFails})
	}
	return out
}

func (*rollout) Observe(inc *engine.Incident, in engine.Input, sig engine.Signal) {
	d := state[rolloutData](inc)
	ev := in.Event
	switch sig.Role {
	case roleScaledUp:
		if _, set, ok := scaled(eventMessage(ev)); ok {
			d.NewSets = addCapped(d.NewSets, set)
		}
	case rolePodFails:
		d.Reasons = addCapped(d.Reasons, ev.K8s.Reason)
	}
}

func (*rollout) Assess(inc *engine.Incident) engine.Verdict {
	d := state[rolloutData](inc)
	fails := inc.Roles(rolePodFails)
	if inc.Roles(roleScaledUp) == 0 || fails == 0 {
		return engine.Verdict{}
	}
	c := 0.6
	if inc.Roles(roleScaledDown) > 0 {
		c += 0.15
	}
	set := "a new replica set"
	if len(d.NewSets) > 0 {
		set = "replica set " + d.NewSets[len(d.NewSets)-1]
	}
	cause := "new pods fail: " + strings.Join(d.Reasons, ", ")
	s := fmt.Sprintf("%s rollout failing: %s, %s%s", inc.Key.Short(), set, cause, within(inc.First, inc.Last))
	if n := inc.Roles(roleScaledDown); n > 0 {
		s += "; old replica set scaled down"
	}
	return engine.Verdict{Open: true, RootCause: cause, Confidence: confidence(c), Summary: s}
}

// NewData makes an empty state for a restored incident to decode into.
func (*rollout) NewData() any { return new(rolloutData) }
