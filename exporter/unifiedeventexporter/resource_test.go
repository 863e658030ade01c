package unifiedeventexporter

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// tapio_k8s_enrich puts the pod it found on the Resource, not in the body:
// the JSON line still carries it in the body's k8s and container parts,
// merged with what the decoder wrote there (a Kubernetes Event's reason).
func TestLineTakesTheSubjectFromTheResource(t *testing.T) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	ra := rl.Resource().Attributes()
	ra.PutStr("host.name", "node-1")
	(&unifiedevent.K8s{PodUID: "uid-1", PodName: "cart-7d9f", Namespace: "shop", NodeName: "node-1",
		ContainerName: "main", WorkloadKind: "Deployment", WorkloadName: "cart", Services: []string{"cart"}}).WriteResource(ra)
	(&unifiedevent.Container{ID: "c0ffee", Runtime: "containerd"}).WriteResource(ra)
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	kernel := testEvent(1)
	kernel.K8s = nil
	kernel.WriteTo(lrs.AppendEmpty())
	kev := testEvent(2)
	kev.Name, kev.Source, kev.Process, kev.Kernel = unifiedevent.NameK8sEvent, unifiedevent.SourceK8s, nil, nil
	kev.K8s = &unifiedevent.K8s{PodName: "cart-7d9f", Namespace: "shop", Reason: "BackOff"}
	kev.WriteTo(lrs.AppendEmpty())

	// encode alone needs no sink.
	exp := &unifiedExporter{logger: zap.NewNop()}
	buf, written, skipped := exp.encode(nil, ld)
	require.Empty(t, skipped)
	require.Equal(t, int64(2), written)
	lines := parseLines(t, buf)
	require.Len(t, lines, 2)

	wantK8s := map[string]any{"pod_uid": "uid-1", "pod_name": "cart-7d9f", "namespace": "shop", "node_name": "node-1",
		"container_name": "main", "workload_kind": "Deployment", "workload_name": "cart", "services": []any{"cart"}}
	body := lines[0]["body"].(map[string]any)
	assert.Equal(t, wantK8s, body["k8s"])
	assert.Equal(t, map[string]any{"id": "c0ffee", "runtime": "containerd"}, body["container"])
	assert.InDelta(t, 4242, body["kernel"].(map[string]any)["cgroup_id"], 0, "the other parts are written as they are")
	assert.Equal(t, "uid-1", lines[0]["resource"].(map[string]any)["k8s.pod.uid"])

	wantK8s["reason"] = "BackOff"
	assert.Equal(t, wantK8s, lines[1]["body"].(map[string]any)["k8s"], "the body's reason is kept")
}
