package correlationconnector

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/metadata"
	"github.com/yairfalse/tapio/connector/correlationconnector/internal/metadatatest"
)

// TestOutputsShareOneEngine builds the three instances the collector makes
// for a connector used in logs, traces and metrics pipelines, and feeds
// each the same batch as its fan-out does: the batch is correlated once
// (telemetry counts it once, not three times), and the incident the logs
// output reports is the one drawn as a trace and counted as a metric.
func TestOutputsShareOneEngine(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	cfg := createDefaultConfig().(*Config)
	s := &sinks{logs: new(consumertest.LogsSink), traces: new(consumertest.TracesSink), metrics: new(consumertest.MetricsSink)}
	f := NewFactory()
	set := metadatatest.NewSettings(tel)
	l, err := f.CreateLogsToLogs(t.Context(), set, cfg, s.logs)
	require.NoError(t, err)
	tr, err := f.CreateLogsToTraces(t.Context(), set, cfg, s.traces)
	require.NoError(t, err)
	m, err := f.CreateLogsToMetrics(t.Context(), set, cfg, s.metrics)
	require.NoError(t, err)
	require.Same(t, l.(*correlator).core, tr.(*correlator).core)
	require.Same(t, l.(*correlator).core, m.(*correlator).core)
	require.False(t, l.Capabilities().MutatesData)
	require.False(t, tr.Capabilities().MutatesData)

	host := componenttest.NewNopHost()
	require.NoError(t, l.Start(t.Context(), host))
	require.NoError(t, tr.Start(t.Context(), host))
	require.NoError(t, m.Start(t.Context(), host))
	for _, c := range []*correlator{l.(*correlator), tr.(*correlator), m.(*correlator)} {
		require.NoError(t, c.ConsumeLogs(t.Context(), batchOf(t, oomEvent("a1", "0s", "api"), oomEvent("a2", "1s", "api"))))
	}
	require.NoError(t, m.Shutdown(t.Context()))
	require.NoError(t, tr.Shutdown(t.Context()))
	cores.Lock()
	require.Contains(t, cores.m, cfg, "the core lives while an instance does")
	cores.Unlock()
	require.NoError(t, l.Shutdown(t.Context()))
	cores.Lock()
	require.NotContains(t, cores.m, cfg, "the last shutdown drops the core")
	cores.Unlock()

	d := digestOf(t, s)
	require.Equal(t, 2, d.PassedThrough, "the logs output passes each record on once")
	require.Len(t, d.Marks, 2)
	require.Len(t, d.Incidents, 1)
	inc := d.Incidents[0]
	require.Equal(t, "oom", inc.Rule)
	require.Equal(t, []string{"a1", "a2"}, inc.Members)
	var spans int
	for _, td := range s.traces.AllTraces() {
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, sp := range ss.Spans().All() {
					require.Equal(t, inc.TraceID, sp.TraceID().String(), "the trace is the logged incident's")
					spans++
				}
			}
		}
	}
	require.Equal(t, 2, spans, "one span per member, each sent once")
	require.Contains(t, d.Metrics, "tapio.incidents map[k8s.namespace.name:ns k8s.workload.name:api tapio.incident.rule:oom] = 1 at 1s")

	opts := []metricdatatest.Option{metricdatatest.IgnoreTimestamp()}
	metadatatest.AssertEqualTapioCorrelationEventsCorrelated(t, tel, []metricdata.DataPoint[int64]{
		{Value: 2, Attributes: attribute.NewSet(attribute.String("rule", "oom"))},
	}, opts...)
	metadatatest.AssertEqualTapioCorrelationIncidents(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("state", "opened"))},
	}, opts...)
}

// TestTracesWithoutLogsFeeds: with no logs output the traces instance runs
// the engine and the metrics instance, fed the same batch, adds nothing.
func TestTracesWithoutLogsFeeds(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	traces, metrics := new(consumertest.TracesSink), new(consumertest.MetricsSink)
	set := connectortest.NewNopSettings(metadata.Type)
	m, err := NewFactory().CreateLogsToMetrics(t.Context(), set, cfg, metrics)
	require.NoError(t, err)
	tr, err := NewFactory().CreateLogsToTraces(t.Context(), set, cfg, traces)
	require.NoError(t, err)
	defer func() {
		require.NoError(t, m.Shutdown(t.Context()))
		require.NoError(t, tr.Shutdown(t.Context()))
	}()
	require.NoError(t, m.ConsumeLogs(t.Context(), batchOf(t, oomEvent("a1", "0s", "api"))))
	require.Zero(t, metrics.DataPointCount()+traces.SpanCount(), "the metrics instance is not the feeder")
	require.NoError(t, tr.ConsumeLogs(t.Context(), batchOf(t, oomEvent("a1", "0s", "api"))))
	require.Equal(t, 1, traces.SpanCount())
	require.Positive(t, metrics.DataPointCount())
}

func TestOutputKindTwiceRefused(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	set := connectortest.NewNopSettings(metadata.Type)
	c, err := NewFactory().CreateLogsToLogs(t.Context(), set, cfg, consumertest.NewNop())
	require.NoError(t, err)
	_, err = NewFactory().CreateLogsToLogs(t.Context(), set, cfg, consumertest.NewNop())
	require.ErrorIs(t, err, errOutputTwice)
	require.NoError(t, c.Shutdown(t.Context()))
	require.NotContains(t, cores.m, cfg)
}
