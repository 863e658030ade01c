package k8senrichprocessor

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/unifiedevent"
	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/kubecache"
)

// AttrEnrichmentStatus says how the event's pod was found: resolved at
// once, late after waiting in the hold-back window, or miss. Events that
// name no pod (host processes, systemd units) carry none.
const AttrEnrichmentStatus = "tapio.enrichment.status"

// Values of AttrEnrichmentStatus.
const (
	StatusResolved = "resolved"
	StatusLate     = "late"
	StatusMiss     = "miss"
)

// subjectAttrs counts what writeSubject adds to a Resource: five k8s.*, a
// workload name, Tapio's workload kind and name, the Services, the
// container id and runtime.
const subjectAttrs = 11

// writeSubject writes the pod an event is about, and its container, on the
// Resource its records move under, with the schema's own writer: once per
// pod and container per batch. The node name the receiver set is replaced
// by the pod's, which is the same on this node and right for a pod named
// by a cluster-wide source.
func writeSubject(attrs pcommon.Map, p *place, w kubecache.Owner) {
	attrs.EnsureCapacity(attrs.Len() + subjectAttrs)
	pod := p.pod
	k := unifiedevent.K8s{
		PodUID: pod.UID, PodName: pod.Name, Namespace: pod.Namespace, NodeName: pod.Node,
		WorkloadKind: w.Kind, WorkloadName: w.Name, Services: pod.Services,
	}
	if p.containerID != "" {
		k.ContainerName = pod.ContainerName(p.containerID)
	}
	k.WriteResource(attrs)
	if p.containerID != "" {
		c := unifiedevent.Container{ID: p.containerID, Runtime: p.runtime}
		c.WriteResource(attrs)
	}
}

// writePeer writes the far side of a connection as the body's peer part:
// a pod, or a Service whose pods are not cached.
func writePeer(lr plog.LogRecord, p *kubecache.Pod, svc *kubecache.Service, w kubecache.Owner) {
	var k unifiedevent.K8s
	if p != nil {
		k = unifiedevent.K8s{
			PodUID: p.UID, PodName: p.Name, Namespace: p.Namespace, NodeName: p.Node,
			WorkloadKind: w.Kind, WorkloadName: w.Name, Services: p.Services,
		}
	} else {
		k = unifiedevent.K8s{Namespace: svc.Namespace, Services: svc.NameList()}
	}
	k.MergePeer(bodyMap(lr))
}

// bodyMap returns the body as a map. A UnifiedEvent's body always is one;
// anything else is left as it was and written to a detached map.
func bodyMap(lr plog.LogRecord) pcommon.Map {
	if b := lr.Body(); b.Type() == pcommon.ValueTypeMap {
		return b.Map()
	}
	return pcommon.NewMap()
}
