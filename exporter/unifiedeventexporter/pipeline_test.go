package unifiedeventexporter

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/yairfalse/tapio/exporter/unifiedeventexporter/internal/metadatatest"
	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor"
)

// A Multus log line as the CNI receiver reads it.
const multusAdd = `2026-11-29T08:01:02Z [verbose] ADD starting CNI request ContainerID:"5e1c8b7a9f30" Netns:"/var/run/netns/cni-5e1c8b7a" IfName:"eth0" Args:"IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=cart-7d9f-x2v4q;K8S_POD_INFRA_CONTAINER_ID=5e1c8b7a9f30;K8S_POD_UID=2f0c6e1a-8d3b-4a55-9c1e-7b6d5a4f3e21" Path:""`

// TestPipelineFromRawRecords runs raw receiver records through the real
// tapio_unified processor into this exporter: the decoded event is written,
// and the records the processor could only mark with tapio.decode.error are
// skipped and counted, not lost silently.
func TestPipelineFromRawRecords(t *testing.T) {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	path := filepath.Join(t.TempDir(), "events.jsonl")
	exp := startLogs(t, metadatatest.NewSettings(tt), fileConfig(path, RotationConfig{}))

	pf := unifiedeventprocessor.NewFactory()
	proc, err := pf.CreateLogs(t.Context(), processortest.NewNopSettings(pf.Type()), pf.CreateDefaultConfig(), exp)
	require.NoError(t, err)
	require.NoError(t, proc.Start(t.Context(), componenttest.NewNopHost()))

	emitter := rawrecord.NewEmitter(rawrecord.SourceCNI, "1", rawrecord.Identity{HostName: "node-1", NodeName: "node-1"}, "tapio/cnireceiver", "test")
	b := emitter.NewBatch()
	b.Append("cni.line", []byte(multusAdd), time.Time{})
	b.Append("cni.line", []byte("   "), time.Time{})
	b.Append("no.such.kind", []byte("x"), time.Time{})
	require.NoError(t, proc.ConsumeLogs(t.Context(), b.Logs()))
	require.NoError(t, proc.Shutdown(t.Context()))
	require.NoError(t, exp.Shutdown(t.Context()))

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := parseLines(t, data)
	require.Len(t, lines, 1)
	got := lines[0]
	assert.Equal(t, "tapio.cni.add", got["name"])
	assert.Equal(t, "cni", got["source"])
	assert.Equal(t, "2026-11-29T08:01:02Z", got["time"])
	assert.Len(t, got["id"], 32)
	assert.Equal(t, "node-1", got["resource"].(map[string]any)["k8s.node.name"])
	body := got["body"].(map[string]any)
	assert.Equal(t, "multus", body["cni"].(map[string]any)["plugin"])
	assert.Equal(t, "cart-7d9f-x2v4q", body["k8s"].(map[string]any)["pod_name"])

	metadatatest.AssertEqualTapioUnifiedEventRecordsSkipped(t, tt, []metricdata.DataPoint[int64]{
		{Value: 2, Attributes: attribute.NewSet(attribute.String("reason", reasonNotUnifiedEvent))},
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}
