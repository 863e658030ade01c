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
	e := &Event{}
	if err := e.read(lr, nil); err != nil {
		return nil, err
	}
	return e, nil
}

// read fills e from lr as FromLogRecord describes. With buf nil every part
// is a new allocation and Raw is copied out; with buf, the parts are buf's
// (valid until its next use) and Raw is skipped, which is how Reader
// decodes a batch without allocating an Event tree per record.
func (e *Event) read(lr plog.LogRecord, buf *partBuf) error {
	attrs := lr.Attributes()
	v, ok := attrs.Get(AttrSchemaVersion)
	if !ok {
		return fmt.Errorf("attribute %s missing: %w", AttrSchemaVersion, ErrNotUnifiedEvent)
	}
	if v.Type() != pcommon.ValueTypeStr {
		return fmt.Errorf("attribute %s: got %s, want Str %q: %w", AttrSchemaVersion, v.Type(), SchemaVersion, ErrUnsupportedVersion)
	}
	if v.Str() != SchemaVersion {
		return fmt.Errorf("attribute %s: %s, want %q: %w", AttrSchemaVersion, clip(v.Str()), SchemaVersion, ErrUnsupportedVersion)
	}

	var errp *error
	if buf != nil {
		errp = &buf.err
		*errp = nil
	} else {
		errp = new(error)
	}
	env := fields{m: attrs, prefix: "attribute ", err: errp}
	*e = Event{
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
	if err := *errp; err != nil {
		return err
	}
	if e.Name == "" {
		return fmt.Errorf("event name missing in EventName and attribute %s: %w", AttrEventName, ErrMalformed)
	}
	if e.ID == "" {
		return fmt.Errorf("attribute %s missing: %w", AttrEventID, ErrMalformed)
	}
	var err error
	if e.Time, err = fromTimestamp(lr.Timestamp()); err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	if e.ObservedTime, err = fromTimestamp(lr.ObservedTimestamp()); err != nil {
		return fmt.Errorf("observed timestamp: %w", err)
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
		return fmt.Errorf("body: got %s, want Map: %w", lr.Body().Type(), ErrMalformed)
	}
	var b *fields
	if buf != nil {
		buf.kids.n = 0
		b = &buf.body
		*b = fields{m: body, prefix: "body.", err: errp, kids: &buf.kids}
	} else {
		b = &fields{m: body, prefix: "body.", err: errp}
	}
	if buf != nil {
		// The K8s parts' Services arrays are the Reader's own: the
		// Resource's list may have been filled into them last time.
		buf.subject.Services, buf.peerK8s.Services = buf.subjectSvc, buf.peerSvc
	}
	e.Message = b.str("message")
	e.Process = readProcess(b.child("process"), buf.process())
	e.Container = readContainer(b.child("container"), buf.container())
	e.K8s = readK8s(b.child("k8s"), buf.k8s())
	e.Peer = readK8s(b.child("peer"), buf.peer())
	e.K8sObject = readK8sObject(b.child("k8s_object"), buf.object(), buf.objectEvent())
	e.Network = readNetwork(b.child("network"), buf.network(), buf.dns())
	e.Kernel = readKernel(b.child("kernel"), buf.kernel(), buf.oom())
	e.Systemd = readSystemd(b.child("systemd"), buf.systemd())
	e.CNI = readCNI(b.child("cni"), buf.cni())
	e.Loss = readLoss(b.child("loss"))
	e.Incident = readIncident(b.child("incident"))
	if buf == nil {
		e.Raw = b.bytes("raw")
	} else {
		buf.keepServices()
	}
	return *errp
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

// Each reader takes the part's fields (nil when the key is absent) and the
// part to fill, and returns nil when nothing known was set, mirroring
// putPart.

func readProcess(f *fields, p *Process) *Process {
	if f == nil {
		return nil
	}
	if p == nil {
		p = new(Process)
	}
	*p = Process{
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

func readContainer(f *fields, c *Container) *Container {
	if f == nil {
		return nil
	}
	if c == nil {
		c = new(Container)
	}
	*c = Container{
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

func readK8s(f *fields, k *K8s) *K8s {
	if f == nil {
		return nil
	}
	if k == nil {
		k = new(K8s)
	}
	*k = K8s{
		PodUID:        f.str("pod_uid"),
		PodName:       f.str("pod_name"),
		Namespace:     f.str("namespace"),
		NodeName:      f.str("node_name"),
		ContainerName: f.str("container_name"),
		WorkloadKind:  f.str("workload_kind"),
		WorkloadName:  f.str("workload_name"),
		Services:      f.strsInto(k.Services, "services"),
		Reason:        f.str("reason"),
	}
	if !f.set {
		return nil
	}
	return k
}

func readNetwork(f *fields, n *Network, d *DNS) *Network {
	if f == nil {
		return nil
	}
	if n == nil {
		n = new(Network)
	}
	*n = Network{
		Transport:    f.str("transport"),
		Type:         f.str("type"),
		LocalAddress: f.str("local_address"),
		LocalPort:    f.uint16("local_port"),
		PeerAddress:  f.str("peer_address"),
		PeerPort:     f.uint16("peer_port"),
		State:        f.str("state"),
		OldState:     f.str("old_state"),
		DNS:          readDNS(f.child("dns"), d),
	}
	if !f.set && n.DNS == nil {
		return nil
	}
	return n
}

func readDNS(f *fields, d *DNS) *DNS {
	if f == nil {
		return nil
	}
	if d == nil {
		d = new(DNS)
	}
	*d = DNS{
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

func readKernel(f *fields, k *Kernel, o *OOM) *Kernel {
	if f == nil {
		return nil
	}
	if k == nil {
		k = new(Kernel)
	}
	*k = Kernel{
		CgroupID:       f.nonNegative("cgroup_id"),
		CgroupPath:     f.str("cgroup_path"),
		PIDNamespace:   f.nonNegative("pid_ns"),
		MountNamespace: f.nonNegative("mnt_ns"),
		NetNamespace:   f.nonNegative("net_ns"),
		Signal:         f.nonNegative("signal"),
		OOM:            readOOM(f.child("oom"), o),
	}
	if !f.set && k.OOM == nil {
		return nil
	}
	return k
}

func readOOM(f *fields, o *OOM) *OOM {
	if f == nil {
		return nil
	}
	if o == nil {
		o = new(OOM)
	}
	*o = OOM{
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
