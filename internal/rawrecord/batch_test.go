package rawrecord

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

func TestBatchAppendWritesTheRawContract(t *testing.T) {
	observed := time.Date(2026, 11, 29, 10, 0, 1, 0, time.UTC)
	e := NewEmitter(SourceCNI, "1", Identity{HostName: "host-a", NodeName: "node-a"}, "scope/x", "0.1.0")
	e.now = func() time.Time { return observed }

	payload := []byte("cni line\x00with a nul")
	happened := time.Date(2026, 11, 29, 10, 0, 0, 500, time.UTC)
	b := e.NewBatch()
	lr := b.Append("cni.line", payload, happened)
	lr.Attributes().PutStr("log.file.path", "/var/log/cni/a.log")
	payload[0] = 'X' // the record must hold its own copy

	require.Equal(t, 1, b.Len())
	logs := b.Logs()
	require.Equal(t, 1, logs.ResourceLogs().Len())
	rl := logs.ResourceLogs().At(0)
	assert.Equal(t, map[string]any{"host.name": "host-a", "k8s.node.name": "node-a"}, rl.Resource().Attributes().AsRaw())
	sl := rl.ScopeLogs().At(0)
	assert.Equal(t, "scope/x", sl.Scope().Name())
	assert.Equal(t, "0.1.0", sl.Scope().Version())

	got := sl.LogRecords().At(0)
	assert.Equal(t, pcommon.ValueTypeBytes, got.Body().Type())
	assert.Equal(t, []byte("cni line\x00with a nul"), got.Body().Bytes().AsRaw())
	assert.Equal(t, happened, got.Timestamp().AsTime())
	assert.Equal(t, observed, got.ObservedTimestamp().AsTime())
	assert.Equal(t, map[string]any{
		"tapio.source":      "cni",
		"tapio.raw.kind":    "cni.line",
		"tapio.raw.version": "1",
		"log.file.path":     "/var/log/cni/a.log",
	}, got.Attributes().AsRaw())
	assert.True(t, got.TraceID().IsEmpty(), "trace context is never invented")
	assert.True(t, got.SpanID().IsEmpty(), "trace context is never invented")
}

func TestBatchAppendLeavesUnknownEventTimeUnset(t *testing.T) {
	e := NewEmitter(SourceSystemd, "1", Identity{HostName: "h", NodeName: "n"}, "s", "v")
	lr := e.NewBatch().Append("unit.state", []byte("{}"), time.Time{})
	assert.Zero(t, lr.Timestamp())
	assert.NotZero(t, lr.ObservedTimestamp())
}

func TestBatchesAreIndependent(t *testing.T) {
	e := NewEmitter(SourceEBPF, "1", Identity{HostName: "h", NodeName: "n"}, "s", "v")
	first, second := e.NewBatch(), e.NewBatch()
	first.Append("process.exec", []byte{1}, time.Now())
	assert.Equal(t, 1, first.Len())
	assert.Equal(t, 0, second.Len())
}

func TestDetectIdentityPrefersConfigThenEnvThenHostName(t *testing.T) {
	host, err := os.Hostname()
	require.NoError(t, err)

	t.Setenv(NodeNameEnv, "")
	id, err := DetectIdentity("")
	require.NoError(t, err)
	assert.Equal(t, Identity{HostName: host, NodeName: host}, id)

	t.Setenv(NodeNameEnv, "from-env")
	id, err = DetectIdentity("")
	require.NoError(t, err)
	assert.Equal(t, "from-env", id.NodeName)

	id, err = DetectIdentity("from-config")
	require.NoError(t, err)
	assert.Equal(t, "from-config", id.NodeName)
	assert.Equal(t, host, id.HostName)
}

func BenchmarkBatchAppend(b *testing.B) {
	e := NewEmitter(SourceEBPF, "1", Identity{HostName: "h", NodeName: "n"}, "s", "v")
	payload := make([]byte, 128)
	now := time.Now()
	b.ReportAllocs()
	batch := e.NewBatch()
	for i := 0; b.Loop(); i++ {
		if i%1024 == 0 {
			batch = e.NewBatch()
		}
		batch.Append("process.exec", payload, now)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
