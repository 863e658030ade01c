package unifiedevent

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// Enrichers add parts to records that already hold a UnifiedEvent. Decoding
// the record into an Event and writing it back would allocate every value
// twice, so these merge one part in place instead, using the same writers as
// WriteTo: the schema has one implementation, whichever path writes it.

// Body keys of the parts an enricher merges.
const (
	PartK8s       = "k8s"
	PartContainer = "container"
	PartPeer      = "peer"
)

// WorkloadAttrKey returns the semconv attribute naming a workload of the
// given owner kind (k8s.deployment.name for Deployment), and false for kinds
// without one (Rollout, custom operators), which stay in the body only. A
// switch rather than a map: it is called once per enriched event.
func WorkloadAttrKey(kind string) (string, bool) {
	switch kind {
	case "Deployment":
		return string(semconv.K8SDeploymentNameKey), true
	case "ReplicaSet":
		return string(semconv.K8SReplicaSetNameKey), true
	case "StatefulSet":
		return string(semconv.K8SStatefulSetNameKey), true
	case "DaemonSet":
		return string(semconv.K8SDaemonSetNameKey), true
	case "Job":
		return string(semconv.K8SJobNameKey), true
	case "CronJob":
		return string(semconv.K8SCronJobNameKey), true
	}
	return "", false
}

// workloadKinds lists the kinds WorkloadAttrKey knows, for the set of
// attributes WriteTo owns.
var workloadKinds = []string{"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob"}

// MergeSubject writes k as the event's subject into a UnifiedEvent record:
// its non-empty fields into the body's k8s part and the k8s.* attributes.
// Fields k leaves empty keep what the decoder wrote (a Kubernetes Event's
// reason stays).
func (k *K8s) MergeSubject(body, attrs pcommon.Map) {
	k.writeBody(mergePart(body, PartK8s, k.bodyFields()))
	k.writeAttrs(attrs)
}

// MergePeer writes k as the far side of the event's connection: the body's
// peer part, which has no attributes.
func (k *K8s) MergePeer(body pcommon.Map) {
	k.writeBody(mergePart(body, PartPeer, k.bodyFields()))
}

// Merge writes c as the event's container: its non-empty fields into the
// body's container part and the container.* attributes.
func (c *Container) Merge(body, attrs pcommon.Map) {
	c.writeBody(mergePart(body, PartContainer, c.bodyFields()))
	c.writeAttrs(attrs)
}

// bodyFields counts the keys writeBody will put, so a part's slice is
// allocated at its final size: every byte reserved but unused is still
// cleared by malloc and scanned by the GC, once per event.
func (k *K8s) bodyFields() int {
	return nonEmpty(k.PodUID, k.PodName, k.Namespace, k.NodeName, k.ContainerName,
		k.WorkloadKind, k.WorkloadName, k.Reason) + min(len(k.Services), 1)
}

func (c *Container) bodyFields() int {
	return nonEmpty(c.ID, c.Name, c.ImageName, c.Runtime)
}

func nonEmpty(s ...string) int {
	n := 0
	for _, v := range s {
		if v != "" {
			n++
		}
	}
	return n
}

// mergePart returns the body's sub-map key with room for size more
// entries, creating it when the decoder wrote none (or wrote something
// other than a map, which the schema never does).
func mergePart(body pcommon.Map, key string, size int) pcommon.Map {
	if v, ok := body.Get(key); ok && v.Type() == pcommon.ValueTypeMap {
		m := v.Map()
		m.EnsureCapacity(m.Len() + size)
		return m
	}
	m := body.PutEmptyMap(key)
	m.EnsureCapacity(size)
	return m
}
