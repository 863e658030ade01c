package correlationconnector

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/metadata"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// podBatch lays OOM kills out as enrichment does: the body says nothing
// of the pod, each pod's Resource does, one ResourceLogs per pod.
func podBatch(t *testing.T, pods map[string][]inEvent) plog.Logs {
	t.Helper()
	ld := plog.NewLogs()
	for _, pod := range []string{"api-1", "api-2", "web-1"} {
		evs := pods[pod]
		if len(evs) == 0 {
			continue
		}
		rl := ld.ResourceLogs().AppendEmpty()
		workload := pod[:len(pod)-2]
		(&unifiedevent.K8s{PodName: pod, Namespace: "ns", NodeName: "node-a", WorkloadKind: "Deployment", WorkloadName: workload,
			Services: []string{workload}}).WriteResource(rl.Resource().Attributes())
		recs := rl.ScopeLogs().AppendEmpty().LogRecords()
		for _, ev := range evs {
			delete(ev.Body, "k8s")
			ev.record(t, recs.AppendEmpty())
		}
	}
	return ld
}

func TestPodOnResourceOnly(t *testing.T) {
	s := &sinks{logs: new(consumertest.LogsSink), traces: new(consumertest.TracesSink), metrics: new(consumertest.MetricsSink)}
	c, err := newConnector(connectortest.NewNopSettings(metadata.Type), createDefaultConfig().(*Config), output{logs: s.logs})
	require.NoError(t, err)
	require.NoError(t, c.Start(t.Context(), componenttest.NewNopHost()))
	require.NoError(t, c.ConsumeLogs(t.Context(), podBatch(t, map[string][]inEvent{
		"api-1": {oomEvent("a1", "0s", "x"), oomEvent("a2", "1s", "x")},
		"api-2": {oomEvent("b1", "2s", "x")},
		"web-1": {oomEvent("w1", "3s", "x")},
	})))
	require.NoError(t, c.Shutdown(t.Context()))

	d := digestOf(t, s)
	byRule := map[string]incidentDigest{}
	for _, inc := range d.Incidents {
		if inc.State == unifiedevent.IncidentOpened {
			byRule[inc.Rule+" "+inc.Workloads[0]] = inc
		}
	}
	api, ok := byRule["oom ns/Deployment/api"]
	require.True(t, ok, "the workload comes from the Resource: %v", d.Incidents)
	require.Equal(t, []string{"a1", "a2", "b1"}, api.Members, "both pods' kills are one workload's incident")
	require.Equal(t, []string{"ns/api-1", "ns/api-2"}, api.Pods)
	require.Equal(t, []string{"ns/api"}, api.Services)
	require.Equal(t, []string{"node-a"}, api.Nodes)
	web, ok := byRule["oom ns/Deployment/web"]
	require.True(t, ok)
	require.Equal(t, []string{"w1"}, web.Members, "a Resource's pod does not leak into the next one's records")
}

// TestMistypedResourceIsMalformed: a Resource whose pod attributes have the
// wrong type makes its records unreadable, not a wrong subject; they pass
// on uncorrelated and the other Resources' records are read.
func TestMistypedResourceIsMalformed(t *testing.T) {
	sink := new(consumertest.LogsSink)
	c, err := newConnector(connectortest.NewNopSettings(metadata.Type), createDefaultConfig().(*Config), output{logs: sink})
	require.NoError(t, err)
	defer func() { require.NoError(t, c.Shutdown(t.Context())) }()
	ld := podBatch(t, map[string][]inEvent{"api-1": {oomEvent("a1", "0s", "x")}, "web-1": {oomEvent("w1", "0s", "x")}})
	ld.ResourceLogs().At(0).Resource().Attributes().PutInt("k8s.pod.name", 7)

	c.mu.Lock()
	_, malformed := c.feed(ld)
	c.mu.Unlock()
	require.Equal(t, 1, malformed)
	require.Equal(t, 1, openIncidentCountOf(c))
}

func openIncidentCountOf(c *correlator) int {
	n := 0
	for _, v := range c.eng.OpenByRule() {
		n += v
	}
	return n
}
