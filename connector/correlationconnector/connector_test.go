package correlationconnector

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.yaml.in/yaml/v3"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/metadata"
	"github.com/yairfalse/tapio/connector/correlationconnector/internal/metadatatest"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

func oomEvent(id, at, workload string) inEvent {
	return inEvent{Name: string(unifiedevent.NameOOMKill), ID: id, At: at, Node: "node-a", Body: map[string]any{
		"process": map[string]any{"pid": 10, "executable_name": "java"},
		"kernel":  map[string]any{"signal": 9, "oom": map[string]any{"memcg": "7"}},
		"k8s":     map[string]any{"pod_name": workload + "-1", "namespace": "ns", "workload_kind": "Deployment", "workload_name": workload},
	}}
}

func batchOf(t *testing.T, evs ...inEvent) plog.Logs {
	t.Helper()
	ld := plog.NewLogs()
	recs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for _, ev := range evs {
		ev.record(t, recs.AppendEmpty())
	}
	return ld
}

func TestShutdownBeforeStartAndTwice(t *testing.T) {
	f := NewFactory()
	set := connectortest.NewNopSettings(metadata.Type)
	c, err := f.CreateLogsToLogs(t.Context(), set, f.CreateDefaultConfig(), consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, c.Shutdown(t.Context()))
	require.NoError(t, c.Shutdown(t.Context()))

	c, err = f.CreateLogsToTraces(t.Context(), set, f.CreateDefaultConfig(), consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, c.Start(t.Context(), componenttest.NewNopHost()))
	require.NoError(t, c.Shutdown(t.Context()))
	require.NoError(t, c.Shutdown(t.Context()))
}

// TestIdleInputClosesIncidents runs the real ticker: with no further input
// the open incident must close on wall time alone.
func TestIdleInputClosesIncidents(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.TTL, cfg.Lateness = 50*time.Millisecond, 0
	for _, r := range []*RuleConfig{&cfg.Rules.OOM, &cfg.Rules.CrashLoop, &cfg.Rules.CNISetup, &cfg.Rules.NodeRuntime.RuleConfig, &cfg.Rules.DNS.RuleConfig} {
		r.Window = 50 * time.Millisecond
	}
	sink := new(consumertest.LogsSink)
	c, err := newConnector(connectortest.NewNopSettings(metadata.Type), cfg, output{logs: sink})
	require.NoError(t, err)
	c.tick = 10 * time.Millisecond
	require.NoError(t, c.Start(t.Context(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, c.Shutdown(context.Background())) }()

	require.NoError(t, c.ConsumeLogs(t.Context(), batchOf(t, oomEvent("o1", "0s", "api"))))
	states := func() []string {
		var out []string
		for _, ld := range sink.AllLogs() {
			for _, rl := range ld.ResourceLogs().All() {
				for _, sl := range rl.ScopeLogs().All() {
					for _, lr := range sl.LogRecords().All() {
						if v, ok := lr.Attributes().Get(unifiedevent.AttrIncidentState); ok {
							out = append(out, v.Str())
						}
					}
				}
			}
		}
		return out
	}
	require.Equal(t, []string{unifiedevent.IncidentOpened}, states())
	require.Eventually(t, func() bool {
		s := states()
		return len(s) == 2 && s[1] == unifiedevent.IncidentClosed
	}, 5*time.Second, 10*time.Millisecond)
}

func TestTelemetryCountsDropsAndEvictions(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	cfg := createDefaultConfig().(*Config)
	cfg.MaxOpenIncidents, cfg.MaxEventsPerIncident = 1, 1
	c, err := NewFactory().CreateLogsToLogs(t.Context(), metadatatest.NewSettings(tel), cfg, consumertest.NewNop())
	require.NoError(t, err)

	broken := inEvent{Name: string(unifiedevent.NameOOMKill), ID: "broken", At: "0s", Raw: true}
	late := oomEvent("late", "-10m", "api")
	require.NoError(t, c.ConsumeLogs(t.Context(), batchOf(t,
		oomEvent("a1", "0s", "api"), oomEvent("a1", "0s", "api"), oomEvent("a2", "1s", "api"),
		broken, oomEvent("b1", "2s", "web"), late,
	)))
	require.NoError(t, c.Shutdown(t.Context()))

	opts := []metricdatatest.Option{metricdatatest.IgnoreTimestamp()}
	metadatatest.AssertEqualTapioCorrelationEventsUncorrelated(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("reason", "malformed"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("reason", "late"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("reason", "duplicate"))},
	}, opts...)
	metadatatest.AssertEqualTapioCorrelationIncidentsEvicted(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("kind", "open"))},
	}, opts...)
	metadatatest.AssertEqualTapioCorrelationMembersDropped(t, tel, []metricdata.DataPoint[int64]{{Value: 1}}, opts...)
	metadatatest.AssertEqualTapioCorrelationIncidents(t, tel, []metricdata.DataPoint[int64]{
		{Value: 2, Attributes: attribute.NewSet(attribute.String("state", "opened"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("state", "closed"))},
	}, opts...)
	metadatatest.AssertEqualTapioCorrelationEventsCorrelated(t, tel, []metricdata.DataPoint[int64]{
		{Value: 3, Attributes: attribute.NewSet(attribute.String("rule", "oom"))},
	}, opts...)
}

// TestDeterministicAcrossBatching feeds one scenario as written and again
// one event per batch: the incidents, their ids, members and traces must be
// the same; only how many updated records appear may differ.
func TestDeterministicAcrossBatching(t *testing.T) {
	for _, name := range []string{"interleaved", "oom", "dns"} {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "scenarios", name+".yaml"))
			require.NoError(t, err)
			var sc scenario
			require.NoError(t, yaml.Unmarshal(raw, &sc))
			whole := digestOf(t, runScenario(t, &sc))
			again := digestOf(t, runScenario(t, &sc))
			require.Equal(t, whole, again, "same input, same output")

			var single scenario = sc
			single.Batches = nil
			for _, b := range sc.Batches {
				for _, ev := range b {
					single.Batches = append(single.Batches, []inEvent{ev})
				}
			}
			split := digestOf(t, runScenario(t, &single))
			// Within a batch the harness groups events by node, so the
			// order incidents close in may differ; their content may not.
			require.Equal(t, closedRecords(whole), closedRecords(split))
			require.ElementsMatch(t, whole.Marks, split.Marks)
		})
	}
}

func closedRecords(d *digest) []incidentDigest {
	var out []incidentDigest
	for _, in := range d.Incidents {
		if in.State == unifiedevent.IncidentClosed {
			in.RecordID = ""
			out = append(out, in)
		}
	}
	slices.SortFunc(out, func(a, b incidentDigest) int { return strings.Compare(a.ID, b.ID) })
	return out
}
