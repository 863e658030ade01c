package unifiedevent

import (
	"math"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// WriteTo stores e on lr: the body becomes the event map (replacing the raw
// payload), the envelope and semconv attributes are set, and the attributes
// this package owns are cleared first so none go stale. Attributes owned by
// other processors, trace context and flags are left alone, and so are the
// receiver's provenance attributes when the Event leaves Source, RawKind or
// RawVersion empty. Zero values are omitted, so a reader sees only what a
// decoder actually knew.
func (e *Event) WriteTo(lr plog.LogRecord) {
	if e == nil {
		return
	}
	attrs := lr.Attributes()
	// The provenance keys a raw record already has are overwritten in
	// place, so they need no room; the scan that clears owned keys finds
	// them for free.
	need := e.attrEntries() + laterAttrs
	attrs.RemoveIf(func(k string, _ pcommon.Value) bool {
		switch k {
		case AttrSource:
			need -= nonEmpty(e.Source)
		case AttrRawKind:
			need -= nonEmpty(e.RawKind)
		case AttrRawVersion:
			need -= nonEmpty(e.RawVersion)
		default:
			_, owned := ownedKeys[k]
			return owned
		}
		return false
	})
	attrs.EnsureCapacity(attrs.Len() + need)
	attrs.PutStr(AttrSchemaVersion, SchemaVersion)
	putStr(attrs, AttrEventName, string(e.Name))
	putStr(attrs, AttrEventID, e.ID)
	putStr(attrs, AttrSource, e.Source)
	putStr(attrs, AttrRawKind, e.RawKind)
	putStr(attrs, AttrRawVersion, e.RawVersion)

	lr.SetEventName(string(e.Name))
	lr.SetTimestamp(timestamp(e.Time))
	lr.SetObservedTimestamp(timestamp(e.ObservedTime))
	lr.SetSeverityNumber(e.Severity)
	lr.SetSeverityText(e.SeverityText)

	body := lr.Body().SetEmptyMap()
	body.EnsureCapacity(e.bodyEntries() + e.laterParts())
	putStr(body, "message", e.Message)
	if p := e.Process; p != nil {
		putPart(body, "process", p.fields(), p.writeBody)
		p.writeAttrs(attrs)
	}
	if c := e.Container; c != nil {
		putPart(body, PartContainer, c.bodyFields(), c.writeBody)
		c.writeAttrs(attrs)
	}
	if k := e.K8s; k != nil {
		putPart(body, PartK8s, k.bodyFields(), k.writeBody)
		k.writeAttrs(attrs)
	}
	if k := e.Peer; k != nil {
		putPart(body, PartPeer, k.bodyFields(), k.writeBody)
	}
	if o := e.K8sObject; o != nil {
		putPart(body, "k8s_object", roomyPart, o.writeBody)
	}
	if n := e.Network; n != nil {
		putPart(body, "network", n.bodyFields(), n.writeBody)
		n.writeAttrs(attrs)
	}
	if k := e.Kernel; k != nil {
		putPart(body, "kernel", k.bodyFields(), k.writeBody)
	}
	if s := e.Systemd; s != nil {
		putPart(body, "systemd", s.bodyFields(), s.writeBody)
		putStr(attrs, AttrSystemdUnit, s.Unit)
	}
	if c := e.CNI; c != nil {
		putPart(body, "cni", c.bodyFields(), c.writeBody)
	}
	if i := e.Incident; i != nil {
		putPart(body, "incident", roomyPart, i.writeBody)
		i.writeAttrs(attrs)
	}
	if l := e.Loss; l != nil {
		putPart(body, "loss", l.fields(), func(m pcommon.Map) {
			putInt(m, "count", l.Count)
			putStr(m, "reason", l.Reason)
			putStr(m, "kind", l.Kind)
		})
	}
	if len(e.Raw) > 0 {
		body.PutEmptyBytes("raw").FromRaw(e.Raw)
	}
}

func (p *Process) writeBody(m pcommon.Map) {
	putInt(m, "pid", p.PID)
	putInt(m, "parent_pid", p.ParentPID)
	putOptInt(m, "user_id", p.UserID)
	putStr(m, "executable_name", p.ExecutableName)
	putStr(m, "executable_path", p.ExecutablePath)
	putStr(m, "command_line", p.CommandLine)
	putTime(m, "start_time", p.StartTime)
	putOptInt(m, "exit_code", p.ExitCode)
}

func (p *Process) writeAttrs(a pcommon.Map) {
	putInt(a, string(semconv.ProcessPIDKey), p.PID)
	putInt(a, string(semconv.ProcessParentPIDKey), p.ParentPID)
	putOptInt(a, string(semconv.ProcessUserIDKey), p.UserID)
	putStr(a, string(semconv.ProcessExecutableNameKey), p.ExecutableName)
	putStr(a, string(semconv.ProcessExecutablePathKey), p.ExecutablePath)
	putStr(a, string(semconv.ProcessCommandLineKey), p.CommandLine)
	putTime(a, string(semconv.ProcessCreationTimeKey), p.StartTime)
	putOptInt(a, string(semconv.ProcessExitCodeKey), p.ExitCode)
}

func (c *Container) writeBody(m pcommon.Map) {
	putStr(m, "id", c.ID)
	putStr(m, "name", c.Name)
	putStr(m, "image_name", c.ImageName)
	putStr(m, "runtime", c.Runtime)
}

func (c *Container) writeAttrs(a pcommon.Map) {
	putStr(a, string(semconv.ContainerIDKey), c.ID)
	putStr(a, string(semconv.ContainerNameKey), c.Name)
	putStr(a, string(semconv.ContainerImageNameKey), c.ImageName)
	putStr(a, string(semconv.ContainerRuntimeNameKey), c.Runtime)
}

func (k *K8s) writeBody(m pcommon.Map) {
	putStr(m, "pod_uid", k.PodUID)
	putStr(m, "pod_name", k.PodName)
	putStr(m, "namespace", k.Namespace)
	putStr(m, "node_name", k.NodeName)
	putStr(m, "container_name", k.ContainerName)
	putStr(m, "workload_kind", k.WorkloadKind)
	putStr(m, "workload_name", k.WorkloadName)
	putStrs(m, "services", k.Services)
	putStr(m, "reason", k.Reason)
}

func (k *K8s) writeAttrs(a pcommon.Map) {
	putStr(a, string(semconv.K8SPodUIDKey), k.PodUID)
	putStr(a, string(semconv.K8SPodNameKey), k.PodName)
	putStr(a, string(semconv.K8SNamespaceNameKey), k.Namespace)
	putStr(a, string(semconv.K8SNodeNameKey), k.NodeName)
	putStr(a, string(semconv.K8SContainerNameKey), k.ContainerName)
	if key, ok := WorkloadAttrKey(k.WorkloadKind); ok {
		putStr(a, key, k.WorkloadName)
	}
}

func (n *Network) writeBody(m pcommon.Map) {
	putStr(m, "transport", n.Transport)
	putStr(m, "type", n.Type)
	putStr(m, "local_address", n.LocalAddress)
	putInt(m, "local_port", int64(n.LocalPort))
	putStr(m, "peer_address", n.PeerAddress)
	putInt(m, "peer_port", int64(n.PeerPort))
	putStr(m, "state", n.State)
	putStr(m, "old_state", n.OldState)
	if d := n.DNS; d != nil {
		putPart(m, "dns", d.fields(), func(m pcommon.Map) {
			putStr(m, "question_name", d.QuestionName)
			putStr(m, "question_type", d.QuestionType)
			putStr(m, "response_code", d.ResponseCode)
			putStrs(m, "answers", d.Answers)
			putInt(m, "transaction_id", int64(d.TransactionID))
		})
	}
}

func (n *Network) writeAttrs(a pcommon.Map) {
	putStr(a, string(semconv.NetworkTransportKey), n.Transport)
	putStr(a, string(semconv.NetworkTypeKey), n.Type)
	putStr(a, string(semconv.NetworkLocalAddressKey), n.LocalAddress)
	putInt(a, string(semconv.NetworkLocalPortKey), int64(n.LocalPort))
	putStr(a, string(semconv.NetworkPeerAddressKey), n.PeerAddress)
	putInt(a, string(semconv.NetworkPeerPortKey), int64(n.PeerPort))
	putStr(a, string(semconv.NetworkConnectionStateKey), n.State)
	if d := n.DNS; d != nil {
		putStr(a, string(semconv.DNSQuestionNameKey), d.QuestionName)
		putStrs(a, string(semconv.DNSAnswersKey), d.Answers)
	}
}

func (k *Kernel) writeBody(m pcommon.Map) {
	putInt(m, "cgroup_id", k.CgroupID)
	putStr(m, "cgroup_path", k.CgroupPath)
	putInt(m, "pid_ns", k.PIDNamespace)
	putInt(m, "mnt_ns", k.MountNamespace)
	putInt(m, "net_ns", k.NetNamespace)
	putInt(m, "signal", k.Signal)
	if o := k.OOM; o != nil {
		putPart(m, "oom", o.fields(), func(m pcommon.Map) {
			putStr(m, "memcg", o.MemoryCgroup)
			putInt(m, "rss_bytes", o.RSSBytes)
			putInt(m, "memory_limit_bytes", o.MemoryLimitBytes)
			putInt(m, "oom_score_adj", o.ScoreAdj)
		})
	}
}

func (s *Systemd) writeBody(m pcommon.Map) {
	putStr(m, "unit", s.Unit)
	putStr(m, "old_active_state", s.OldActiveState)
	putStr(m, "active_state", s.ActiveState)
	putStr(m, "sub_state", s.SubState)
	putStr(m, "result", s.Result)
	putInt(m, "restarts", s.Restarts)
	putStr(m, "exit_code", s.ExitCode)
	putInt(m, "exit_status", s.ExitStatus)
	putStr(m, "invocation_id", s.InvocationID)
	putOptInt(m, "priority", s.Priority)
	putStr(m, "identifier", s.Identifier)
	putStr(m, "cursor", s.Cursor)
}

func (c *CNI) writeBody(m pcommon.Map) {
	putStr(m, "operation", c.Operation)
	putStr(m, "plugin", c.Plugin)
	putStr(m, "container_id", c.ContainerID)
	putStr(m, "netns", c.Netns)
	putStr(m, "ifname", c.IfName)
	putStrs(m, "ips", c.IPs)
	putStr(m, "result", c.Result)
	putStr(m, "error", c.Error)
	putInt(m, "error_code", c.ErrorCode)
}

// roomyPart sizes the parts with no count of their own: rare ones (a
// Kubernetes object, an incident) whose nested lists make a count as long
// as the writer.
const roomyPart = 8

// putPart writes a sub-map of room for size fields (capacity.go) and drops
// it again if nothing was set, so an empty part reads back as nil rather
// than as an empty struct.
func putPart(parent pcommon.Map, key string, size int, write func(pcommon.Map)) {
	m := parent.PutEmptyMap(key)
	m.EnsureCapacity(size)
	write(m)
	if m.Len() == 0 {
		parent.Remove(key)
	}
}

func putStr(m pcommon.Map, k, v string) {
	if v != "" {
		m.PutStr(k, v)
	}
}

func putInt(m pcommon.Map, k string, v int64) {
	if v != 0 {
		m.PutInt(k, v)
	}
}

func putOptInt(m pcommon.Map, k string, v *int64) {
	if v != nil {
		m.PutInt(k, *v)
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

// putTime uses RFC 3339 in UTC: readable in any backend, and the form
// process.creation.time prescribes.
func putTime(m pcommon.Map, k string, t time.Time) {
	if !t.IsZero() {
		m.PutStr(k, t.UTC().Format(time.RFC3339Nano))
	}
}

var maxTimestamp = time.Unix(0, math.MaxInt64)

// timestamp maps times OTLP cannot hold to 0, OTLP's "unknown", instead of
// letting them wrap into a far-future instant.
func timestamp(t time.Time) pcommon.Timestamp {
	if t.IsZero() || t.Before(time.Unix(0, 0)) || t.After(maxTimestamp) {
		return 0
	}
	return pcommon.Timestamp(t.UnixNano())
}
