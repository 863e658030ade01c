package unifiedevent

import (
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

func roundTrip(t *testing.T, e *Event) *Event {
	t.Helper()
	lr := plog.NewLogRecord()
	e.WriteTo(lr)
	got, err := FromLogRecord(lr)
	require.NoError(t, err)
	return got
}

func TestRoundTrip(t *testing.T) {
	cases := partEvents()
	cases["full"] = fullEvent()
	cases["minimal"] = minimalEvent()
	for name, e := range cases {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, e, roundTrip(t, e))
			require.NoError(t, e.Validate())
		})
	}
}

func TestRoundTripDropsEmptyValues(t *testing.T) {
	e := minimalEvent()
	e.Process = &Process{}
	e.Network = &Network{DNS: &DNS{}}
	e.K8s = &K8s{Services: []string{}}
	e.Raw = []byte{}
	require.Equal(t, minimalEvent(), roundTrip(t, e))
}

func TestRoundTripKeepsMeaningfulZeros(t *testing.T) {
	e := minimalEvent()
	e.Process = &Process{UserID: ptr(int64(0)), ExitCode: ptr(int64(0))}
	e.Systemd = &Systemd{Priority: ptr(int64(0))}
	require.Equal(t, e, roundTrip(t, e))

	lr := plog.NewLogRecord()
	e.WriteTo(lr)
	requireAttr(t, lr, "process.exit.code", int64(0))
	requireAttr(t, lr, "process.user.id", int64(0))
}

func TestWriteToNormalizesTimes(t *testing.T) {
	e := minimalEvent()
	e.Time = testTime.In(time.FixedZone("CET", 3600))
	e.ObservedTime = time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)
	got := roundTrip(t, e)
	require.Equal(t, testTime, got.Time)
	require.True(t, got.ObservedTime.IsZero(), "pre-1970 time must read back as unknown")
}

// requireAttr compares through AsRaw so an Int attribute and an int64
// expectation compare by value.
func requireAttr(t *testing.T, lr plog.LogRecord, key string, want any) {
	t.Helper()
	v, ok := lr.Attributes().Get(key)
	require.True(t, ok, "attribute %s missing", key)
	require.Equal(t, want, v.AsRaw(), "attribute %s", key)
}

// TestSemconvAttributes spells the keys out literally so that a semconv
// upgrade renaming one of them fails here instead of silently changing what
// backends see.
func TestSemconvAttributes(t *testing.T) {
	lr := plog.NewLogRecord()
	e := fullEvent()
	e.WriteTo(lr)

	want := map[string]any{
		"tapio.schema.version":     "1",
		"event.name":               "tapio.oom.kill",
		"tapio.event.id":           e.ID,
		"tapio.source":             "ebpf",
		"tapio.raw.kind":           "oom.kill",
		"tapio.raw.version":        "1",
		"tapio.systemd.unit":       "kubelet.service",
		"process.pid":              int64(4121),
		"process.parent_pid":       int64(1),
		"process.user.id":          int64(0),
		"process.executable.name":  "java",
		"process.executable.path":  "/usr/bin/java",
		"process.command_line":     "java -Xmx64m -jar cart.jar",
		"process.creation.time":    "2025-03-14T09:20:01.000005Z",
		"process.exit.code":        int64(137),
		"container.id":             "3f4c2a9e1b7d",
		"container.name":           "cart",
		"container.image.name":     "ghcr.io/shop/cart:1.4.2",
		"container.runtime.name":   "containerd",
		"k8s.pod.uid":              "8d1e1f4c-7a52-4a89-9d1c-3c3c8c6b5a10",
		"k8s.pod.name":             "cart-7d9f8c6b5-x2x9q",
		"k8s.namespace.name":       "shop",
		"k8s.node.name":            "node-a",
		"k8s.container.name":       "cart",
		"k8s.deployment.name":      "cart",
		"network.transport":        "tcp",
		"network.type":             "ipv4",
		"network.local.address":    "10.244.1.17",
		"network.local.port":       int64(48122),
		"network.peer.address":     "10.96.0.10",
		"network.peer.port":        int64(5432),
		"network.connection.state": "established",
		"dns.question.name":        "postgres.db.svc.cluster.local",
		"dns.answers":              []any{"10.96.12.4"},
		"tapio.incident.id":        "9f2c4e1a7b3d5c6e8f0a1b2c3d4e5f60",
		"tapio.incident.rule":      "oom",
		"tapio.incident.state":     "updated",
	}
	require.Equal(t, want, lr.Attributes().AsRaw())
	require.Equal(t, "tapio.oom.kill", lr.EventName())
	require.Equal(t, plog.SeverityNumberWarn, lr.SeverityNumber())
	require.Equal(t, "WARN", lr.SeverityText())
	require.Equal(t, pcommon.NewTimestampFromTime(testTime), lr.Timestamp())
	require.Equal(t, pcommon.NewTimestampFromTime(testObserved), lr.ObservedTimestamp())
}

func TestWorkloadKindAttribute(t *testing.T) {
	kinds := map[string]string{
		"Deployment":  "k8s.deployment.name",
		"ReplicaSet":  "k8s.replicaset.name",
		"StatefulSet": "k8s.statefulset.name",
		"DaemonSet":   "k8s.daemonset.name",
		"Job":         "k8s.job.name",
		"CronJob":     "k8s.cronjob.name",
	}
	for kind, key := range kinds {
		lr := plog.NewLogRecord()
		e := minimalEvent()
		e.K8s = &K8s{WorkloadKind: kind, WorkloadName: "w"}
		e.WriteTo(lr)
		requireAttr(t, lr, key, "w")
	}

	lr := plog.NewLogRecord()
	e := minimalEvent()
	e.K8s = &K8s{WorkloadKind: "Rollout", WorkloadName: "w"}
	e.WriteTo(lr)
	for _, key := range kinds {
		_, ok := lr.Attributes().Get(key)
		require.False(t, ok, "kind without a convention must not set %s", key)
	}
}

func TestPeerHasNoAttributes(t *testing.T) {
	lr := plog.NewLogRecord()
	e := minimalEvent()
	e.Peer = peerPart()
	e.WriteTo(lr)
	require.ElementsMatch(t,
		[]string{"tapio.schema.version", "event.name", "tapio.event.id"},
		keys(lr.Attributes()))
}

func keys(m pcommon.Map) []string {
	var out []string
	for k := range m.All() {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestWriteToOverRawRecord writes onto a record as a receiver left it: the
// raw body goes, other processors' attributes and the trace context stay.
func TestWriteToOverRawRecord(t *testing.T) {
	lr := plog.NewLogRecord()
	lr.Body().SetEmptyBytes().FromRaw([]byte{0xde, 0xad})
	lr.Attributes().PutStr(AttrSource, "ebpf")
	lr.Attributes().PutStr(AttrRawKind, "oom.kill")
	lr.Attributes().PutStr(AttrDecodeError, "earlier attempt failed")
	lr.Attributes().PutStr("team", "payments")
	lr.Attributes().PutInt("sampling.priority", 7)
	traceID := pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	spanID := pcommon.SpanID{8, 7, 6, 5, 4, 3, 2, 1}
	lr.SetTraceID(traceID)
	lr.SetSpanID(spanID)
	lr.SetFlags(plog.DefaultLogRecordFlags.WithIsSampled(true))

	e := fullEvent()
	e.Raw = nil
	e.WriteTo(lr)

	require.Equal(t, pcommon.ValueTypeMap, lr.Body().Type())
	_, hasRaw := lr.Body().Map().Get("raw")
	require.False(t, hasRaw, "raw bytes are kept only when Event.Raw is set")
	requireAttr(t, lr, "team", "payments")
	requireAttr(t, lr, "sampling.priority", int64(7))
	_, hasDecodeErr := lr.Attributes().Get(AttrDecodeError)
	require.False(t, hasDecodeErr, "a decoded record must not keep a stale decode error")
	require.Equal(t, traceID, lr.TraceID())
	require.Equal(t, spanID, lr.SpanID())
	require.True(t, lr.Flags().IsSampled())

	got, err := FromLogRecord(lr)
	require.NoError(t, err)
	require.Equal(t, e, got)
}

// TestRewriteClearsStaleAttributes covers an enricher reading an event,
// removing a part and writing it back.
func TestRewriteClearsStaleAttributes(t *testing.T) {
	lr := plog.NewLogRecord()
	fullEvent().WriteTo(lr)
	lr.Attributes().PutStr("team", "payments")

	minimalEvent().WriteTo(lr)
	require.Equal(t, []string{
		"event.name", "tapio.event.id", "tapio.raw.kind", "tapio.raw.version",
		"tapio.schema.version", "tapio.source", "team",
	}, keys(lr.Attributes()))
	require.Equal(t, map[string]any{}, lr.Body().Map().AsRaw())
}

// TestWriteToKeepsProvenance covers a decoder that leaves Source, RawKind
// and RawVersion for the processor: the receiver's values must survive and
// read back into the Event.
func TestWriteToKeepsProvenance(t *testing.T) {
	lr := plog.NewLogRecord()
	lr.Body().SetEmptyBytes().FromRaw([]byte("raw"))
	lr.Attributes().PutStr(AttrSource, SourceCNI)
	lr.Attributes().PutStr(AttrRawKind, "cni.line")
	lr.Attributes().PutStr(AttrRawVersion, "2")

	minimalEvent().WriteTo(lr)
	got, err := FromLogRecord(lr)
	require.NoError(t, err)
	require.Equal(t, SourceCNI, got.Source)
	require.Equal(t, "cni.line", got.RawKind)
	require.Equal(t, "2", got.RawVersion)
}

// TestAllWrittenAttributesAreOwned guards ownedKeys: a key written but not
// owned would survive a rewrite with a stale value.
func TestAllWrittenAttributesAreOwned(t *testing.T) {
	for _, kind := range []string{"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob"} {
		lr := plog.NewLogRecord()
		e := fullEvent()
		e.K8s.WorkloadKind = kind
		e.WriteTo(lr)
		for k := range lr.Attributes().All() {
			_, owned := ownedKeys[k]
			provenance := k == AttrSource || k == AttrRawKind || k == AttrRawVersion
			require.True(t, owned || provenance, "attribute %s is written but not in ownedKeys", k)
		}
	}
}

func TestWriteToNilEvent(t *testing.T) {
	lr := plog.NewLogRecord()
	lr.Body().SetStr("raw line")
	var e *Event
	e.WriteTo(lr)
	require.Equal(t, "raw line", lr.Body().Str())
}
