package unifiedevent

import (
	"fmt"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// The pod an event is about can live in two places. A decoder writes into
// the body's k8s and container parts what its source said (a Kubernetes
// Event names its pod and reason). Enrichment, which finds the pod of a
// kernel or node event, writes it on the record's Resource instead, where
// the semantic conventions put k8s.* and container.*: one ResourceLogs per
// pod and container, so a batch pays for a pod's attributes once, not once
// per event. Readers merge the two, the body first.

// Resource attributes with no semantic convention. The workload's kind and
// name are kept whatever the kind (k8s.deployment.name and its siblings
// exist for six kinds only) so the part reads back exactly.
const (
	ResourceWorkloadKind = "tapio.k8s.workload.kind"
	ResourceWorkloadName = "tapio.k8s.workload.name"
	ResourceServices     = "tapio.k8s.services"
)

// WriteResource writes k as the subject of every event under a Resource:
// the k8s.* attributes, the workload and the selecting Services. Reason is
// per event and never written here.
func (k *K8s) WriteResource(attrs pcommon.Map) {
	k.writeAttrs(attrs)
	putStr(attrs, ResourceWorkloadKind, k.WorkloadKind)
	putStr(attrs, ResourceWorkloadName, k.WorkloadName)
	putStrs(attrs, ResourceServices, k.Services)
}

// WriteResource writes c as the container of every event under a Resource.
func (c *Container) WriteResource(attrs pcommon.Map) {
	c.writeAttrs(attrs)
}

// FromRecord reads an event as FromLogRecord does, then fills the subject
// from the record's Resource (FillFromResource). Every reader of enriched
// records uses it.
func FromRecord(res pcommon.Resource, lr plog.LogRecord) (*Event, error) {
	e, err := FromLogRecord(lr)
	if err != nil {
		return nil, err
	}
	if err := e.FillFromResource(res.Attributes()); err != nil {
		return nil, err
	}
	return e, nil
}

// FillFromResource fills the K8s and Container parts from a Resource's
// attributes, field by field where the body left a field empty. A Resource
// that names no pod (every raw record's carries k8s.node.name) adds
// nothing, so a host process's event keeps no K8s part. The workload comes
// from Tapio's own keys, else from the first k8s.<kind>.name present, which
// is how contrib's k8s_attributes processor writes it. The attributes are
// untrusted: a wrong type is an error wrapping ErrMalformed.
func (e *Event) FillFromResource(attrs pcommon.Map) error {
	var err error
	f := &fields{m: attrs, prefix: "resource attribute ", err: &err}
	uid, name := f.str(string(semconv.K8SPodUIDKey)), f.str(string(semconv.K8SPodNameKey))
	if uid != "" || name != "" {
		r := K8s{
			PodUID:        uid,
			PodName:       name,
			Namespace:     f.str(string(semconv.K8SNamespaceNameKey)),
			NodeName:      f.str(string(semconv.K8SNodeNameKey)),
			ContainerName: f.str(string(semconv.K8SContainerNameKey)),
			WorkloadKind:  f.str(ResourceWorkloadKind),
			WorkloadName:  f.str(ResourceWorkloadName),
			Services:      f.strs(ResourceServices),
		}
		if r.WorkloadKind == "" {
			r.WorkloadKind, r.WorkloadName = conventionWorkload(f)
		}
		if e.K8s == nil {
			e.K8s = &K8s{}
		}
		e.K8s.fillFrom(&r)
	}
	c := Container{
		ID:        f.str(string(semconv.ContainerIDKey)),
		Name:      f.str(string(semconv.ContainerNameKey)),
		ImageName: f.str(string(semconv.ContainerImageNameKey)),
		Runtime:   f.str(string(semconv.ContainerRuntimeNameKey)),
	}
	if c != (Container{}) {
		if e.Container == nil {
			e.Container = &Container{}
		}
		e.Container.fillFrom(&c)
	}
	if err != nil {
		return fmt.Errorf("resource: %w", err)
	}
	return nil
}

// topLevelFirst orders the kinds so a pod that k8s_attributes gave both
// k8s.replicaset.name and k8s.deployment.name (or a Job and its CronJob)
// reads as its top-level owner, as Tapio's enrichment names it.
var topLevelFirst = []string{"Deployment", "StatefulSet", "DaemonSet", "CronJob", "ReplicaSet", "Job"}

func conventionWorkload(f *fields) (kind, name string) {
	for _, kind := range topLevelFirst {
		key, _ := WorkloadAttrKey(kind)
		if name := f.str(key); name != "" {
			return kind, name
		}
	}
	return "", ""
}

// fillFrom sets each field of k that is empty from r.
func (k *K8s) fillFrom(r *K8s) {
	fill(&k.PodUID, r.PodUID)
	fill(&k.PodName, r.PodName)
	fill(&k.Namespace, r.Namespace)
	fill(&k.NodeName, r.NodeName)
	fill(&k.ContainerName, r.ContainerName)
	if k.WorkloadKind == "" && k.WorkloadName == "" {
		k.WorkloadKind, k.WorkloadName = r.WorkloadKind, r.WorkloadName
	}
	if len(k.Services) == 0 {
		k.Services = r.Services
	}
}

func (c *Container) fillFrom(r *Container) {
	fill(&c.ID, r.ID)
	fill(&c.Name, r.Name)
	fill(&c.ImageName, r.ImageName)
	fill(&c.Runtime, r.Runtime)
}

func fill(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// BodyField is one string field of a body part: the key it is written
// under and its value (empty when unknown).
type BodyField struct{ Key, Value string }

// BodyStrings returns k's string fields under the keys the body's k8s part
// uses (Services, the one list, is not among them: its key is
// BodyServicesKey). It lets a reader that renders the merged event in the
// body's shape (the tapio_unified_event exporter's JSON) write the part
// straight from the Event, without a pdata map and its allocation per
// value. TestBodyStringsMatchWriteBody keeps the keys equal to writeBody's.
func (k *K8s) BodyStrings() [8]BodyField {
	return [8]BodyField{
		{"pod_uid", k.PodUID}, {"pod_name", k.PodName}, {"namespace", k.Namespace},
		{"node_name", k.NodeName}, {"container_name", k.ContainerName},
		{"workload_kind", k.WorkloadKind}, {"workload_name", k.WorkloadName}, {"reason", k.Reason},
	}
}

// BodyServicesKey is the body key of K8s.Services.
const BodyServicesKey = "services"

// BodyStrings returns c's fields under the keys of the body's container
// part, as K8s.BodyStrings does.
func (c *Container) BodyStrings() [4]BodyField {
	return [4]BodyField{{"id", c.ID}, {"name", c.Name}, {"image_name", c.ImageName}, {"runtime", c.Runtime}}
}
