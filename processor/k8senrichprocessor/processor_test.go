package k8senrichprocessor

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processorhelper"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/yairfalse/tapio/internal/testkit"
	"github.com/yairfalse/tapio/internal/unifiedevent"
	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/kubecache"
	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/metadata"
)

// offline is a processor that is not connected to an API server: its cache
// is filled (or left empty) by the test. It exercises the record handling
// that does not depend on where pods come from.
func offline(t *testing.T, mutate func(*Config)) (*enrichProcessor, *consumertest.LogsSink, *componenttest.Telemetry) {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.NodeName = thisNode
	cfg.HostProc = t.TempDir()
	cfg.CgroupRoot = t.TempDir()
	if mutate != nil {
		mutate(cfg)
	}
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	sink := new(consumertest.LogsSink)
	p, err := newEnrichProcessor(set, cfg, sink)
	require.NoError(t, err)
	p.startLoop()
	t.Cleanup(func() { require.NoError(t, p.shutdown(context.Background())) })
	return p, sink, tel
}

func TestBadInputPassesOn(t *testing.T) {
	p, _, _ := offline(t, func(c *Config) { c.HoldBack = 0 })
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	lrs.AppendEmpty().Body().SetEmptyBytes().FromRaw([]byte{0xff, 0x00}) // a raw record
	lrs.AppendEmpty().Body().SetStr("text")
	r := lrs.AppendEmpty()
	r.Attributes().PutInt(attrPodUID, 42)
	r.Attributes().PutStr(attrPID, "not a pid")
	r.Attributes().PutStr(attrPeerAddress, "not-an-ip")
	r.Attributes().PutStr(attrLocalAddress, "")
	r.Body().SetEmptyMap().PutStr("kernel", "not a map")
	r = lrs.AppendEmpty()
	r.Body().SetEmptyMap().PutEmptyMap("kernel").PutStr("cgroup_id", "12")
	r.Attributes().PutStr(attrContainerID, "../../etc")
	r.Attributes().PutInt(attrPID, -5)

	out, err := p.processLogs(t.Context(), ld)
	require.NoError(t, err)
	assert.Equal(t, 4, out.LogRecordCount(), "nothing dropped")
	// None names a pod: a container id alone may be a plain Docker
	// container, so it is not waited for or counted as a miss.
	for _, lr := range testkit.LogRecords(out) {
		_, ok := lr.Attributes().Get(AttrEnrichmentStatus)
		assert.False(t, ok)
	}
	assert.Equal(t, 1, out.ResourceLogs().Len(), "nothing moved")
}

func TestHoldBackIsBounded(t *testing.T) {
	p, sink, tel := offline(t, func(c *Config) { c.HoldBack = time.Hour; c.MaxHeldRecords = 2 })
	batch := func(names ...string) plog.Logs {
		evs := make([]*unifiedevent.Event, 0, len(names))
		for _, n := range names {
			evs = append(evs, cniEvent("default", n, time.Now()))
		}
		return batchOf(evs)
	}
	// A batch whose pods are all unknown is held whole: nothing goes on.
	out, err := p.processLogs(t.Context(), batch("a", "b"))
	require.ErrorIs(t, err, processorhelper.ErrSkipProcessingData)
	assert.Zero(t, out.LogRecordCount())
	assert.Equal(t, 2, p.hold.len())

	// The next one does not fit: the oldest goes on, marked miss.
	_, err = p.processLogs(t.Context(), batch("c"))
	require.ErrorIs(t, err, processorhelper.ErrSkipProcessingData)
	assert.Equal(t, 1, p.hold.len())
	require.Equal(t, 2, sink.LogRecordCount())
	for _, lr := range testkit.LogRecords(sink.AllLogs()...) {
		st, _ := lr.Attributes().Get(AttrEnrichmentStatus)
		assert.Equal(t, StatusMiss, st.Str())
	}
	m, err := tel.GetMetric("otelcol.tapio_k8s_enrich.records")
	require.NoError(t, err)
	assert.NotNil(t, m)

	// A batch larger than the bound is not held at all.
	_, err = p.processLogs(t.Context(), batch("d", "e", "f"))
	require.ErrorIs(t, err, processorhelper.ErrSkipProcessingData)
	assert.Equal(t, 5, sink.LogRecordCount())

	// The pod arriving resolves what is still held, late.
	p.cache.UpsertPod(&kubecache.Pod{UID: "uid-c", Name: "c", Namespace: "default", Node: thisNode,
		IPs: []netip.Addr{netip.MustParseAddr("10.244.0.3")}}, time.Now())
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 6 }, 5*time.Second, 5*time.Millisecond)
	r := records(sink.AllLogs()...)[5]
	st, _ := r.lr.Attributes().Get(AttrEnrichmentStatus)
	assert.Equal(t, StatusLate, st.Str())
	uid, _ := r.res.Attributes().Get(attrPodUID)
	assert.Equal(t, "uid-c", uid.Str(), "a held record, once resolved, moves under its pod's Resource too")
	_, onRecord := r.lr.Attributes().Get(attrPodUID)
	assert.False(t, onRecord)
	assert.Zero(t, p.hold.len())
}

func TestShutdownReleasesHeldRecords(t *testing.T) {
	p, sink, _ := offline(t, func(c *Config) { c.HoldBack = time.Hour })
	_, err := p.processLogs(t.Context(), batchOf([]*unifiedevent.Event{cniEvent("default", "x", time.Now())}))
	require.ErrorIs(t, err, processorhelper.ErrSkipProcessingData)
	require.NoError(t, p.shutdown(t.Context()))
	require.Equal(t, 1, sink.LogRecordCount(), "held records are not lost at shutdown")
	require.NoError(t, p.shutdown(t.Context()), "twice")
}

func TestShutdownBeforeStart(t *testing.T) {
	pl, err := NewFactory().CreateLogs(t.Context(), processortest.NewNopSettings(metadata.Type), createDefaultConfig(), consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, pl.Shutdown(t.Context()))
	require.NoError(t, pl.Shutdown(t.Context()))
}

func TestNodeOnlyDoesNotWaitForPodsNamedElsewhere(t *testing.T) {
	p, _, _ := offline(t, func(c *Config) { c.HoldBack = time.Hour; c.PeerPods = false })
	out, err := p.processLogs(t.Context(), batchOf([]*unifiedevent.Event{cniEvent("default", "elsewhere", time.Now())}))
	require.NoError(t, err)
	require.Equal(t, 1, out.LogRecordCount())
	st, _ := testkit.LogRecords(out)[0].Attributes().Get(AttrEnrichmentStatus)
	assert.Equal(t, StatusMiss, st.Str())
	assert.Zero(t, p.hold.len())
}
