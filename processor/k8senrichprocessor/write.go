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

// Room reserved before writing, so each slice grows once per record:
// subjectAttrs counts five k8s.*, a workload name, container id and
// runtime, and the status; bodyParts the k8s, container and peer parts.
const (
	subjectAttrs = 9
	bodyParts    = 3
)

// writeSubject writes the pod an event is about as the UnifiedEvent's K8s
// and Container parts, with the schema's own writers, merged into what a
// decoder wrote (a Kubernetes Event's reason stays). The parts live on the
// stack: the strings are the cache's, so nothing but pdata's values is
// allocated.
func writeSubject(lr plog.LogRecord, s subject, w kubecache.Owner) {
	attrs := lr.Attributes()
	attrs.EnsureCapacity(attrs.Len() + subjectAttrs)
	body := bodyMap(lr)
	body.EnsureCapacity(body.Len() + bodyParts)
	p := s.pod
	k := unifiedevent.K8s{
		PodUID: p.UID, PodName: p.Name, Namespace: p.Namespace, NodeName: p.Node,
		WorkloadKind: w.Kind, WorkloadName: w.Name, Services: p.Services,
	}
	if s.containerID != "" {
		k.ContainerName = p.ContainerName(s.containerID)
	}
	k.MergeSubject(body, attrs)
	if s.containerID != "" {
		c := unifiedevent.Container{ID: s.containerID, Runtime: s.runtime}
		c.Merge(body, attrs)
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
