package rules

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// Params tune one rule.
type Params struct {
	// Window is the longest gap between two members of one incident.
	Window time.Duration
	// Threshold is how many occurrences of the rule's trigger make an
	// incident, for rules that count (crash loop, DNS).
	Threshold int
}

// workloadKey names the workload an event is about, or its pod when the
// workload is unknown; zero when the event is not about a pod (a host
// process), which keeps host events out of pod rules.
func workloadKey(k *unifiedevent.K8s) engine.Key {
	if k == nil || k.Namespace == "" {
		return engine.Key{}
	}
	if k.WorkloadName != "" {
		return engine.Key{Namespace: k.Namespace, Kind: k.WorkloadKind, Name: k.WorkloadName}
	}
	if k.PodName != "" {
		return engine.Key{Namespace: k.Namespace, Kind: "Pod", Name: k.PodName}
	}
	return engine.Key{}
}

// podKey names the pod an event is about, or zero.
func podKey(k *unifiedevent.K8s) engine.Key {
	if k == nil || k.Namespace == "" || k.PodName == "" {
		return engine.Key{}
	}
	return engine.Key{Namespace: k.Namespace, Name: k.PodName}
}

// isPodObject reports whether ev is a watched Pod object.
func isPodObject(ev *unifiedevent.Event) bool {
	return ev.Name == unifiedevent.NameK8sObject && ev.K8sObject != nil && ev.K8sObject.Kind == "Pod"
}

func isReason(ev *unifiedevent.Event, reasons ...string) bool {
	if ev.Name != unifiedevent.NameK8sEvent || ev.K8s == nil {
		return false
	}
	for _, r := range reasons {
		if ev.K8s.Reason == r {
			return true
		}
	}
	return false
}

// confidence rounds to hundredths so the value written is the same on
// every platform and reads well.
func confidence(c float64) float64 {
	return math.Round(math.Min(c, 1)*100) / 100
}

// within says over what time an incident's members came, as a person
// would ("in 4m10s"); "" when they all came at once.
func within(first, last time.Time) string {
	d := last.Sub(first).Truncate(time.Second)
	if d < time.Second {
		return ""
	}
	text := d.String()
	if d >= time.Minute {
		// 4m0s reads as 4m; 2m30s stays.
		if t, ok := strings.CutSuffix(text, "m0s"); ok {
			text = t + "m"
		}
	}
	return " in " + text
}

// bytesText prints a size the way a Kubernetes limit is written.
func bytesText(n int64) string {
	const mi = 1 << 20
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGi", n>>30)
	case n%mi == 0:
		return fmt.Sprintf("%dMi", n/mi)
	default:
		return fmt.Sprintf("%.1fMi", float64(n)/mi)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// state returns the rule's state on inc, making it on first use.
func state[T any](inc *engine.Incident) *T {
	d, _ := inc.Data.(*T)
	if d == nil {
		d = new(T)
		inc.Data = d
	}
	return d
}

// restarted reports a pod event that says a container restarted or is
// failing: a Pod object with a failing reason, or a BackOff Event.
func restarted(ev *unifiedevent.Event) bool {
	if isReason(ev, "BackOff") {
		return true
	}
	if !isPodObject(ev) || ev.K8s == nil {
		return false
	}
	switch ev.K8s.Reason {
	case "", "Completed":
		return false
	}
	return true
}
