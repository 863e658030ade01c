package unifiedevent

import (
	"fmt"
	"math"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// FromLogRecord reads back an event written by WriteTo. The body is the
// source of truth for the parts; the semconv attributes are a projection of
// it for backends and are not read. Unknown keys are ignored, since a newer
// writer may add them within version 1. The record is untrusted: any type
// mismatch or impossible value yields an error wrapping ErrMalformed that
// names the key, never a panic.
func FromLogRecord(lr plog.LogRecord) (*Event, error) {
	attrs := lr.Attributes()
	v, ok := attrs.Get(AttrSchemaVersion)
	if !ok {
		return nil, fmt.Errorf("attribute %s missing: %w", AttrSchemaVersion, ErrNotUnifiedEvent)
	}
	if v.Type() != pcommon.ValueTypeStr {
		return nil, fmt.Errorf("attribute %s: got %s, want Str %q: %w", AttrSchemaVersion, v.Type(), SchemaVersion, ErrUnsupportedVersion)
	}
	if v.Str() != SchemaVersion {
		return nil, fmt.Errorf("attribute %s: %s, want %q: %w", AttrSchemaVersion, clip(v.Str()), SchemaVersion, ErrUnsupportedVersion)
	}

	var err error
	env := fields{m: attrs, prefix: "attribute ", err: &err}
	e := &Event{
		Name:         Name(lr.EventName()),
		ID:           env.str(AttrEventID),
		Source:       env.str(AttrSource),
		RawKind:      env.str(AttrRawKind),
		RawVersion:   env.str(AttrRawVersion),
		Severity:     lr.SeverityNumber(),
		SeverityText: lr.SeverityText(),
	}
	// Some pipelines drop the EventName field (older OTLP hops); the
	// attribute copy keeps the event readable.
	attrName := Name(env.str(AttrEventName))
	if e.Name == "" {
		e.Name = attrName
	}
	if err != nil {
		return nil, err
	}
	if e.Name == "" {
		return nil, fmt.Errorf("event name missing in EventName and attribute %s: %w", AttrEventName, ErrMalformed)
	}
	if e.ID == "" {
		return nil, fmt.Errorf("attribute %s missing: %w", AttrEventID, ErrMalformed)
	}
	if e.Time, err = fromTimestamp(lr.Timestamp()); err != nil {
		return nil, fmt.Errorf("timestamp: %w", err)
	}
	if e.ObservedTime, err = fromTimestamp(lr.ObservedTimestamp()); err != nil {
		return nil, fmt.Errorf("observed timestamp: %w", err)
	}

	var body pcommon.Map
	switch lr.Body().Type() {
	case pcommon.ValueTypeMap:
		body = lr.Body().Map()
	case pcommon.ValueTypeEmpty:
		// An event with no parts and no message may lose its empty map on
		// the way through an exporter.
		body = pcommon.NewMap()
	default:
		return nil, fmt.Errorf("body: got %s, want Map: %w", lr.Body().Type(), ErrMalformed)
	}
	b := &fields{m: body, prefix: "body.", err: &err}
	e.Message = b.str("message")
	e.Process = readProcess(b.child("process"))
	e.Container = readContainer(b.child("container"))
	e.K8s = readK8s(b.child("k8s"))
	e.Peer = readK8s(b.child("peer"))
	e.K8sObject = readK8sObject(b.child("k8s_object"))
	e.Network = readNetwork(b.child("network"))
	e.Kernel = readKernel(b.child("kernel"))
	e.Systemd = readSystemd(b.child("systemd"))
	e.CNI = readCNI(b.child("cni"))
	e.Loss = readLoss(b.child("loss"))
	e.Incident = readIncident(b.child("incident"))
	e.Raw = b.bytes("raw")
	if err != nil {
		return nil, err
	}
	return e, nil
}

func fromTimestamp(ts pcommon.Timestamp) (time.Time, error) {
	if ts == 0 {
		return time.Time{}, nil
	}
	if uint64(ts) > math.MaxInt64 {
		return time.Time{}, fmt.Errorf("%d ns is past year 2262: %w", uint64(ts), ErrMalformed)
	}
	return time.Unix(0, int64(ts)).UTC(), nil
}

// Each reader takes the part's fields (nil when the key is absent) and
// returns nil when nothing known was set, mirroring putPart.

func readProcess(f *fields) *Process {
	if f == nil {
		return nil
	}
	p := &Process{
		PID:            f.nonNegative("pid"),
		ParentPID:      f.nonNegative("parent_pid"),
		UserID:         f.optInt("user_id"),
		ExecutableName: f.str("executable_name"),
		ExecutablePath: f.str("executable_path"),
		CommandLine:    f.str("command_line"),
		StartTime:      f.time("start_time"),
		ExitCode:       f.optInt("exit_code"),
	}
	if p.UserID != nil && *p.UserID < 0 {
		f.fail("user_id", "%d is negative", *p.UserID)
	}
	if !f.set {
		return nil
	}
	return p
}

func readContainer(f *fields) *Container {
	if f == nil {
		return nil
	}
	c := &Container{
		ID:        f.str("id"),
		Name:      f.str("name"),
		ImageName: f.str("image_name"),
		Runtime:   f.str("runtime"),
	}
	if !f.set {
		return nil
	}
	return c
}

func readK8s(f *fields) *K8s {
	if f == nil {
		return nil
	}
	k := &K8s{
		PodUID:        f.str("pod_uid"),
		PodName:       f.str("pod_name"),
		Namespace:     f.str("namespace"),
		NodeName:      f.str("node_name"),
		ContainerName: f.str("container_name"),
		WorkloadKind:  f.str("workload_kind"),
		WorkloadName:  f.str("workload_name"),
		Services:      f.strs("services"),
		Reason:        f.str("reason"),
	}
	if !f.set {
		return nil
	}
	return k
}

func readNetwork(f *fields) *Network {
	if f == nil {
		return nil
	}
	n := &Network{
		Transport:    f.str("transport"),
		Type:         f.str("type"),
		LocalAddress: f.str("local_address"),
		LocalPort:    f.uint16("local_port"),
		PeerAddress:  f.str("peer_address"),
		PeerPort:     f.uint16("peer_port"),
		State:        f.str("state"),
		OldState:     f.str("old_state"),
		DNS:          readDNS(f.child("dns")),
	}
	if !f.set && n.DNS == nil {
		return nil
	}
	return n
}

func readDNS(f *fields) *DNS {
	if f == nil {
		return nil
	}
	d := &DNS{
		QuestionName:  f.str("question_name"),
		QuestionType:  f.str("question_type"),
		ResponseCode:  f.str("response_code"),
		Answers:       f.strs("answers"),
		TransactionID: f.uint16("transaction_id"),
	}
	if !f.set {
		return nil
	}
	return d
}

func readKernel(f *fields) *Kernel {
	if f == nil {
		return nil
	}
	k := &Kernel{
		CgroupID:       f.nonNegative("cgroup_id"),
		CgroupPath:     f.str("cgroup_path"),
		PIDNamespace:   f.nonNegative("pid_ns"),
		MountNamespace: f.nonNegative("mnt_ns"),
		NetNamespace:   f.nonNegative("net_ns"),
		Signal:         f.nonNegative("signal"),
		OOM:            readOOM(f.child("oom")),
	}
	if !f.set && k.OOM == nil {
		return nil
	}
	return k
}

func readOOM(f *fields) *OOM {
	if f == nil {
		return nil
	}
	o := &OOM{
		MemoryCgroup:     f.str("memcg"),
		RSSBytes:         f.nonNegative("rss_bytes"),
		MemoryLimitBytes: f.nonNegative("memory_limit_bytes"),
		ScoreAdj:         f.int("oom_score_adj"),
	}
	if !f.set {
		return nil
	}
	return o
}

func readSystemd(f *fields) *Systemd {
	if f == nil {
		return nil
	}
	s := &Systemd{
		Unit:           f.str("unit"),
		OldActiveState: f.str("old_active_state"),
		ActiveState:    f.str("active_state"),
		SubState:       f.str("sub_state"),
		Result:         f.str("result"),
		Restarts:       f.nonNegative("restarts"),
		ExitCode:       f.str("exit_code"),
		ExitStatus:     f.nonNegative("exit_status"),
		InvocationID:   f.str("invocation_id"),
		Priority:       f.optInt("priority"),
		Identifier:     f.str("identifier"),
		Cursor:         f.str("cursor"),
	}
	if s.Priority != nil && (*s.Priority < 0 || *s.Priority > 7) {
		f.fail("priority", "%d out of range 0..7", *s.Priority)
	}
	if !f.set {
		return nil
	}
	return s
}

func readCNI(f *fields) *CNI {
	if f == nil {
		return nil
	}
	c := &CNI{
		Operation:   f.str("operation"),
		Plugin:      f.str("plugin"),
		ContainerID: f.str("container_id"),
		Netns:       f.str("netns"),
		IfName:      f.str("ifname"),
		IPs:         f.strs("ips"),
		Result:      f.str("result"),
		Error:       f.str("error"),
		ErrorCode:   f.nonNegative("error_code"),
	}
	if !f.set {
		return nil
	}
	return c
}

func readLoss(f *fields) *Loss {
	if f == nil {
		return nil
	}
	l := &Loss{
		Count:  f.nonNegative("count"),
		Reason: f.str("reason"),
		Kind:   f.str("kind"),
	}
	if !f.set {
		return nil
	}
	return l
}
