package k8senrichprocessor

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

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

// workloadAttrs maps an owner kind to its semconv name attribute; other
// kinds (Rollout, custom operators) stay in the body, as the UnifiedEvent
// schema writes them.
var workloadAttrs = map[string]string{
	"Deployment":  string(semconv.K8SDeploymentNameKey),
	"ReplicaSet":  string(semconv.K8SReplicaSetNameKey),
	"StatefulSet": string(semconv.K8SStatefulSetNameKey),
	"DaemonSet":   string(semconv.K8SDaemonSetNameKey),
	"Job":         string(semconv.K8SJobNameKey),
	"CronJob":     string(semconv.K8SCronJobNameKey),
}

// writeSubject writes the pod an event is about as the UnifiedEvent's K8s
// and Container parts: the body maps, merged into what a decoder wrote
// (a Kubernetes Event's reason stays), and the semconv attributes.
func writeSubject(lr plog.LogRecord, s subject, w kubecache.Owner) {
	attrs := lr.Attributes()
	// Room for every key written below, so the slices grow once.
	attrs.EnsureCapacity(attrs.Len() + 9)
	body := bodyMap(lr)
	body.EnsureCapacity(body.Len() + 3)
	p := s.pod
	container := ""
	if s.containerID != "" {
		container = p.ContainerName(s.containerID)
	}
	k := part(body, "k8s", 9)
	putStr(k, "pod_uid", p.UID)
	putStr(k, "pod_name", p.Name)
	putStr(k, "namespace", p.Namespace)
	putStr(k, "node_name", p.Node)
	putStr(k, "container_name", container)
	putStr(k, "workload_kind", w.Kind)
	putStr(k, "workload_name", w.Name)
	putStrs(k, "services", p.Services)

	putStr(attrs, attrPodUID, p.UID)
	putStr(attrs, attrPodName, p.Name)
	putStr(attrs, attrNamespace, p.Namespace)
	putStr(attrs, attrNodeName, p.Node)
	putStr(attrs, attrContainerName, container)
	if key, ok := workloadAttrs[w.Kind]; ok {
		putStr(attrs, key, w.Name)
	}
	if s.containerID != "" {
		c := part(body, "container", 2)
		putStr(c, "id", s.containerID)
		putStr(c, "runtime", s.runtime)
		putStr(attrs, attrContainerID, s.containerID)
		putStr(attrs, attrRuntime, s.runtime)
	}
}

// writePeer writes the far side of a connection as the body's peer part;
// the schema gives peers no attributes.
func writePeer(lr plog.LogRecord, p *kubecache.Pod, svc *kubecache.Service, w kubecache.Owner) {
	m := part(bodyMap(lr), "peer", 7)
	if p != nil {
		putStr(m, "pod_uid", p.UID)
		putStr(m, "pod_name", p.Name)
		putStr(m, "namespace", p.Namespace)
		putStr(m, "node_name", p.Node)
		putStr(m, "workload_kind", w.Kind)
		putStr(m, "workload_name", w.Name)
		putStrs(m, "services", p.Services)
		return
	}
	putStr(m, "namespace", svc.Namespace)
	putStrs(m, "services", []string{svc.Name})
}

// bodyMap returns the body as a map. A UnifiedEvent's body always is one;
// anything else is left as it was and written to a detached map.
func bodyMap(lr plog.LogRecord) pcommon.Map {
	if b := lr.Body(); b.Type() == pcommon.ValueTypeMap {
		return b.Map()
	}
	return pcommon.NewMap()
}

// part returns the body's sub-map key, creating it with room for size
// entries when the decoder wrote none.
func part(body pcommon.Map, key string, size int) pcommon.Map {
	if v, ok := body.Get(key); ok && v.Type() == pcommon.ValueTypeMap {
		m := v.Map()
		m.EnsureCapacity(m.Len() + size)
		return m
	}
	m := body.PutEmptyMap(key)
	m.EnsureCapacity(size)
	return m
}

func putStr(m pcommon.Map, k, v string) {
	if v != "" {
		m.PutStr(k, v)
	}
}

func putStrs(m pcommon.Map, k string, v []string) {
	if len(v) == 0 {
		return
	}
	s := m.PutEmptySlice(k)
	s.EnsureCapacity(len(v))
	for _, x := range v {
		s.AppendEmpty().SetStr(x)
	}
}
