package unifiedevent

import (
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// K8sObject is the Kubernetes object a tapio.k8s.* event was decoded from
// (body key k8s_object) and what its status says about failures. Event.K8s
// names the pod or workload the event is about, for enrichment and
// correlation; K8sObject keeps the object itself, which for a Kubernetes
// Event is the Event, not the pod it involves. No attributes: semantic
// conventions have none for these, and Event.K8s already writes the k8s.*
// ones.
type K8sObject struct {
	Kind      string // kind: Pod, Node, Event, Deployment …
	Namespace string // namespace: empty for cluster-scoped objects
	Name      string // name
	UID       string // uid
	// resource_version orders the changes of one object (comparable since
	// Kubernetes 1.35), so a consumer can spot a stale or repeated change.
	ResourceVersion string
	// change: the watch event type, ADDED, MODIFIED or DELETED.
	Change string
	// owner_kind, owner_name: the object's controlling owner (a
	// ReplicaSet for a Deployment's pod), one step up, as written.
	OwnerKind string
	OwnerName string
	// phase: a pod's phase (Pending, Running, Succeeded, Failed, Unknown).
	Phase string
	// conditions: a pod's or node's conditions (Ready, MemoryPressure …).
	Conditions []K8sCondition
	// containers: a pod's container statuses, init containers included.
	Containers []K8sContainer
	// event: what a Kubernetes Event object says; its reason is in
	// Event.K8s.Reason, where failures are grouped.
	Event *K8sEvent
}

// K8sCondition is one status condition.
type K8sCondition struct {
	Type    string // type
	Status  string // status: True, False, Unknown
	Reason  string // reason
	Message string // message
}

// K8sContainer is one container's status in a pod.
type K8sContainer struct {
	Name string // name
	// state: waiting, running or terminated; reason is that state's reason
	// (CrashLoopBackOff, ImagePullBackOff, OOMKilled, Error, Completed).
	State  string
	Reason string
	// exit_code of the current termination; a pointer because 0 is a clean
	// exit, not an unknown one.
	ExitCode *int64
	Restarts int64 // restarts: restartCount
	// last_reason, last_exit_code: how the previous run ended, which is
	// where an OOM kill (OOMKilled, 137) shows while the pod restarts.
	LastReason   string
	LastExitCode *int64
}

// K8sEvent is the content of a Kubernetes Event object.
type K8sEvent struct {
	Type    string // type: Normal or Warning
	Message string // message
	Count   int64  // count: how often it happened, as the API aggregates
	// involved_kind, involved_namespace, involved_name, involved_uid: the
	// object the Event is about (regarding, in events.k8s.io).
	InvolvedKind      string
	InvolvedNamespace string
	InvolvedName      string
	InvolvedUID       string
	// reporter: the component that wrote it (kubelet, default-scheduler).
	Reporter string
	Host     string // host: the node of the reporter, when given
}

func (o *K8sObject) writeBody(m pcommon.Map) {
	putStr(m, "kind", o.Kind)
	putStr(m, "namespace", o.Namespace)
	putStr(m, "name", o.Name)
	putStr(m, "uid", o.UID)
	putStr(m, "resource_version", o.ResourceVersion)
	putStr(m, "change", o.Change)
	putStr(m, "owner_kind", o.OwnerKind)
	putStr(m, "owner_name", o.OwnerName)
	putStr(m, "phase", o.Phase)
	putMaps(m, "conditions", len(o.Conditions), func(i int, m pcommon.Map) {
		c := o.Conditions[i]
		putStr(m, "type", c.Type)
		putStr(m, "status", c.Status)
		putStr(m, "reason", c.Reason)
		putStr(m, "message", c.Message)
	})
	putMaps(m, "containers", len(o.Containers), func(i int, m pcommon.Map) {
		c := o.Containers[i]
		putStr(m, "name", c.Name)
		putStr(m, "state", c.State)
		putStr(m, "reason", c.Reason)
		putOptInt(m, "exit_code", c.ExitCode)
		putInt(m, "restarts", c.Restarts)
		putStr(m, "last_reason", c.LastReason)
		putOptInt(m, "last_exit_code", c.LastExitCode)
	})
	if ev := o.Event; ev != nil {
		putPart(m, "event", 9, func(m pcommon.Map) {
			putStr(m, "type", ev.Type)
			putStr(m, "message", ev.Message)
			putInt(m, "count", ev.Count)
			putStr(m, "involved_kind", ev.InvolvedKind)
			putStr(m, "involved_namespace", ev.InvolvedNamespace)
			putStr(m, "involved_name", ev.InvolvedName)
			putStr(m, "involved_uid", ev.InvolvedUID)
			putStr(m, "reporter", ev.Reporter)
			putStr(m, "host", ev.Host)
		})
	}
}

// putMaps writes a list of maps, skipping entries that end up empty so
// that, as with parts, what reads back is only what was known.
func putMaps(parent pcommon.Map, key string, n int, write func(int, pcommon.Map)) {
	if n == 0 {
		return
	}
	s := parent.PutEmptySlice(key)
	s.EnsureCapacity(n)
	for i := range n {
		m := pcommon.NewMap()
		write(i, m)
		if m.Len() > 0 {
			m.MoveTo(s.AppendEmpty().SetEmptyMap())
		}
	}
	if s.Len() == 0 {
		parent.Remove(key)
	}
}

// children reads a list of maps, one reader per entry.
func (f *fields) children(key string) []*fields {
	v, ok := f.value(key, pcommon.ValueTypeSlice)
	if !ok || v.Slice().Len() == 0 {
		return nil
	}
	s := v.Slice()
	out := make([]*fields, 0, s.Len())
	for i := range s.Len() {
		e := s.At(i)
		if e.Type() != pcommon.ValueTypeMap {
			f.fail(key+"["+strconv.Itoa(i)+"]", "got %s, want %s", e.Type(), pcommon.ValueTypeMap)
			return nil
		}
		out = append(out, f.newChild(e.Map(), key+"["+strconv.Itoa(i)+"]"))
	}
	return out
}

func readK8sObject(f *fields, o *K8sObject, ev *K8sEvent) *K8sObject {
	if f == nil {
		return nil
	}
	if o == nil {
		o = new(K8sObject)
	}
	*o = K8sObject{
		Kind:            f.str("kind"),
		Namespace:       f.str("namespace"),
		Name:            f.str("name"),
		UID:             f.str("uid"),
		ResourceVersion: f.str("resource_version"),
		Change:          f.str("change"),
		OwnerKind:       f.str("owner_kind"),
		OwnerName:       f.str("owner_name"),
		Phase:           f.str("phase"),
		Event:           readK8sEvent(f.child("event"), ev),
	}
	for _, c := range f.children("conditions") {
		cond := K8sCondition{Type: c.str("type"), Status: c.str("status"), Reason: c.str("reason"), Message: c.str("message")}
		if c.set {
			o.Conditions = append(o.Conditions, cond)
		}
	}
	for _, c := range f.children("containers") {
		ctr := K8sContainer{
			Name: c.str("name"), State: c.str("state"), Reason: c.str("reason"),
			ExitCode: c.optInt("exit_code"), Restarts: c.nonNegative("restarts"),
			LastReason: c.str("last_reason"), LastExitCode: c.optInt("last_exit_code"),
		}
		if c.set {
			o.Containers = append(o.Containers, ctr)
		}
	}
	if !f.set && o.Event == nil && o.Conditions == nil && o.Containers == nil {
		return nil
	}
	return o
}

func readK8sEvent(f *fields, ev *K8sEvent) *K8sEvent {
	if f == nil {
		return nil
	}
	if ev == nil {
		ev = new(K8sEvent)
	}
	*ev = K8sEvent{
		Type:              f.str("type"),
		Message:           f.str("message"),
		Count:             f.nonNegative("count"),
		InvolvedKind:      f.str("involved_kind"),
		InvolvedNamespace: f.str("involved_namespace"),
		InvolvedName:      f.str("involved_name"),
		InvolvedUID:       f.str("involved_uid"),
		Reporter:          f.str("reporter"),
		Host:              f.str("host"),
	}
	if !f.set {
		return nil
	}
	return ev
}
