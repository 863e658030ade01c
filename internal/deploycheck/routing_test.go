package deploycheck

import (
	"fmt"
	"net"
	"testing"
	"time"

	lb "github.com/open-telemetry/opentelemetry-collector-contrib/exporter/loadbalancingexporter"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.yaml.in/yaml/v3"
)

// The agent's load_balancing section, exactly as shipped except for the
// resolver (three real OTLP receivers on loopback stand in for the
// gateway replicas the headless Service's DNS would name), must send every
// record of one workload to one gateway, and spread workloads over the
// gateways: the gateway correlates a workload only if it sees all of it.
func TestAgentRoutesEachWorkloadToOneGateway(t *testing.T) {
	ctx := t.Context()
	const gateways = 3
	var sinks []*consumertest.LogsSink
	var endpoints []string
	for range gateways {
		endpoint := freeLoopbackAddr(t)
		f := otlpreceiver.NewFactory()
		cfg := f.CreateDefaultConfig().(*otlpreceiver.Config)
		cfg.Protocols.GRPC.GetOrInsertDefault().NetAddr.Endpoint = endpoint
		sink := new(consumertest.LogsSink)
		r, err := f.CreateLogs(ctx, receivertest.NewNopSettings(f.Type()), cfg, sink)
		require.NoError(t, err)
		require.NoError(t, r.Start(ctx, componenttest.NewNopHost()))
		t.Cleanup(func() { require.NoError(t, r.Shutdown(ctx)) })
		sinks = append(sinks, sink)
		endpoints = append(endpoints, endpoint)
	}

	var doc map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(readFile(t, agentConfig)), &doc))
	section, ok := doc["exporters"].(map[string]any)["load_balancing"].(map[string]any)
	require.True(t, ok, "no load_balancing exporter in %s", agentConfig)
	section["resolver"] = map[string]any{"static": map[string]any{"hostnames": endpoints}}
	f := lb.NewFactory()
	cfg := f.CreateDefaultConfig()
	require.NoError(t, confmap.NewFromStringMap(section).Unmarshal(cfg))
	exp, err := f.CreateLogs(ctx, exportertest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(ctx, componenttest.NewNopHost()))

	// Twelve workloads in three namespaces, every batch mixing all of them,
	// as an agent's batches do; two are StatefulSets, so the routing must
	// not depend on the workload kind. tapio_k8s_enrich puts each event's
	// pod, workload included, on a Resource of that pod (two pods a
	// workload here); the load_balancing exporter reads routing_attributes
	// from the Resource first, then the scope, then the record.
	type workload struct{ namespace, kindAttr, name string }
	var workloads []workload
	for i := range 12 {
		kindAttr := "k8s.deployment.name"
		if i%6 == 5 {
			kindAttr = "k8s.statefulset.name"
		}
		workloads = append(workloads, workload{fmt.Sprintf("ns%d", i%3), kindAttr, fmt.Sprintf("app-%d", i)})
	}
	const rounds, podsPerWorkload = 20, 2
	for round := range rounds {
		ld := plog.NewLogs()
		for _, w := range workloads {
			for pod := range podsPerWorkload {
				rl := ld.ResourceLogs().AppendEmpty()
				a := rl.Resource().Attributes()
				a.PutStr("host.name", fmt.Sprintf("node-%d", round%4))
				a.PutStr("k8s.node.name", fmt.Sprintf("node-%d", round%4))
				a.PutStr("k8s.namespace.name", w.namespace)
				a.PutStr("k8s.pod.name", fmt.Sprintf("%s-%d", w.name, pod))
				a.PutStr(w.kindAttr, w.name)
				r := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
				r.Attributes().PutStr("tapio.enrichment.status", "resolved")
				r.Body().SetStr("event")
			}
		}
		require.NoError(t, exp.ConsumeLogs(ctx, ld))
	}
	require.NoError(t, exp.Shutdown(ctx))

	received := func() int {
		n := 0
		for _, s := range sinks {
			n += s.LogRecordCount()
		}
		return n
	}
	require.Eventually(t, func() bool { return received() == rounds*len(workloads)*podsPerWorkload },
		10*time.Second, 20*time.Millisecond, "records lost on the way to the gateways")

	// workload -> gateway index -> records
	where := map[string]map[int]int{}
	for i, s := range sinks {
		for _, ld := range s.AllLogs() {
			for _, rl := range ld.ResourceLogs().All() {
				a := rl.Resource().Attributes()
				ns, _ := a.Get("k8s.namespace.name")
				name, ok := a.Get("k8s.deployment.name")
				if !ok {
					name, _ = a.Get("k8s.statefulset.name")
				}
				key := ns.Str() + "/" + name.Str()
				if where[key] == nil {
					where[key] = map[int]int{}
				}
				where[key][i] += rl.ScopeLogs().At(0).LogRecords().Len()
			}
		}
	}
	require.Len(t, where, len(workloads))
	used := map[int]bool{}
	for key, perGateway := range where {
		require.Len(t, perGateway, 1, "workload %s reached several gateways: %v", key, perGateway)
		for i, n := range perGateway {
			require.Equal(t, rounds*podsPerWorkload, n, "workload %s", key)
			used[i] = true
		}
	}
	t.Logf("%d workloads x %d batches, each on one gateway; %d of %d gateways used", len(workloads), rounds, len(used), gateways)
	require.Greater(t, len(used), 1, "every workload on one gateway: nothing is balanced")
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}
