package k8senrichprocessor

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/unifiedevent"
	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/kubecache"
)

// groupFixture is an offline processor with two pods: a on this node with
// a container and a known cgroup (id 101), b on another node with one
// (id 102).
func groupFixture(t *testing.T) (*enrichProcessor, [2]*kubecache.Pod) {
	t.Helper()
	p, _, _ := offline(t, func(c *Config) { c.HoldBack = 0 })
	now := time.Now()
	var pods [2]*kubecache.Pod
	for i, name := range []string{"a", "b"} {
		uid := name + "0000000-7a52-4a89-9d1c-000000000001"
		cid := name + "00000000000000000000000000000000000000000000000000000000000000f"
		node := thisNode
		if i == 1 {
			node = otherNode
		}
		pods[i] = &kubecache.Pod{UID: uid, Name: name, Namespace: "shop", Node: node,
			OwnerKind: "ReplicaSet", OwnerName: name + "-1", OwnerUID: "rs-" + name,
			IPs: []netip.Addr{netip.AddrFrom4([4]byte{10, 244, 0, byte(i + 1)})}, Created: now.Add(-time.Hour),
			Containers: []kubecache.Container{{ID: cid, Name: "main"}}}
		p.cache.UpsertPod(pods[i], now.Add(-time.Hour))
		p.cache.UpsertOwner(kubecache.KindReplicaSet, "rs-"+name, kubecache.Owner{Kind: "Deployment", Name: name})
		p.resolver.ids.Add(uint64(101+i), "/kubepods.slice/kubepods-pod"+uid+".slice/cri-containerd-"+cid+".scope")
	}
	return p, pods
}

// rawResource starts a ResourceLogs as a receiver's: host and node names
// and a scope.
func rawResource(ld plog.Logs) plog.LogRecordSlice {
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("host.name", "host-1")
	rl.Resource().Attributes().PutStr("k8s.node.name", thisNode)
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("tapio")
	return sl.LogRecords()
}

func eventIDs(lrs plog.LogRecordSlice) []string {
	var ids []string
	for _, lr := range lrs.All() {
		id, _ := lr.Attributes().Get(unifiedevent.AttrEventID)
		ids = append(ids, id.Str())
	}
	return ids
}

func TestResolvedRecordsMoveUnderOneResourcePerPod(t *testing.T) {
	p, pods := groupFixture(t)
	now := time.Now()
	a1, host, b1 := execEvent(101, now), execEvent(0, now), tcpEvent(102, "10.244.0.2", "10.244.0.1", now)
	a2 := oomEvent(101, now)
	// A Kubernetes Event names pod b and says why; no container.
	kev := envelope(unifiedevent.NameK8sEvent, "k8s", "k8s.watch", now)
	kev.K8s = &unifiedevent.K8s{PodName: "b", Namespace: "shop", Reason: "BackOff"}
	ld := plog.NewLogs()
	lrs := rawResource(ld)
	for _, ev := range []*unifiedevent.Event{a1, host, b1, a2, kev} {
		ev.WriteTo(lrs.AppendEmpty())
	}

	out, err := p.processLogs(t.Context(), ld)
	require.NoError(t, err)
	require.Equal(t, 5, out.LogRecordCount())
	rls := out.ResourceLogs()
	require.Equal(t, 4, rls.Len(), "the original and one per (pod, container)")

	orig := rls.At(0)
	assert.Equal(t, []string{host.ID}, eventIDs(orig.ScopeLogs().At(0).LogRecords()), "a host process's event stays")
	_, ok := orig.ScopeLogs().At(0).LogRecords().At(0).Attributes().Get(AttrEnrichmentStatus)
	assert.False(t, ok, "and is left alone")

	want := []struct {
		ids       []string
		pod       *kubecache.Pod
		container bool
	}{{[]string{a1.ID, a2.ID}, pods[0], true}, {[]string{b1.ID}, pods[1], true}, {[]string{kev.ID}, pods[1], false}}
	for i, w := range want {
		rl := rls.At(i + 1)
		require.Equal(t, 1, rl.ScopeLogs().Len())
		sl := rl.ScopeLogs().At(0)
		assert.Equal(t, "tapio", sl.Scope().Name(), "the scope is copied")
		assert.Equal(t, w.ids, eventIDs(sl.LogRecords()), "group %d keeps the records' order", i)
		attrs := rl.Resource().Attributes().AsRaw()
		assert.Equal(t, "host-1", attrs["host.name"], "the receiver's Resource is copied")
		assert.Equal(t, w.pod.Node, attrs["k8s.node.name"], "the pod's node replaces the receiver's")
		assert.Equal(t, w.pod.UID, attrs["k8s.pod.uid"])
		assert.Equal(t, w.pod.Name, attrs["k8s.deployment.name"])
		if w.container {
			assert.Equal(t, w.pod.Containers[0].ID, attrs["container.id"])
			assert.Equal(t, "containerd", attrs["container.runtime.name"])
		} else {
			assert.NotContains(t, attrs, "container.id")
		}
		for _, lr := range sl.LogRecords().All() {
			st, _ := lr.Attributes().Get(AttrEnrichmentStatus)
			assert.Equal(t, StatusResolved, st.Str())
			_, onRecord := lr.Attributes().Get(attrPodUID)
			assert.False(t, onRecord, "the subject is not written on the record")
		}
	}

	// Readers merge body and Resource: the peer stays in the body, the
	// Event's reason with it.
	conn := rls.At(2).ScopeLogs().At(0).LogRecords().At(0)
	got, err := unifiedevent.FromRecord(rls.At(2).Resource(), conn)
	require.NoError(t, err)
	assert.Equal(t, "a", got.Peer.PodName)
	assert.Equal(t, "b", got.K8s.PodName)
	assert.Equal(t, "main", got.K8s.ContainerName)
	kr := rls.At(3)
	got, err = unifiedevent.FromRecord(kr.Resource(), kr.ScopeLogs().At(0).LogRecords().At(0))
	require.NoError(t, err)
	assert.Equal(t, unifiedevent.K8s{PodUID: pods[1].UID, PodName: "b", Namespace: "shop", NodeName: otherNode,
		WorkloadKind: "Deployment", WorkloadName: "b", Reason: "BackOff"}, *got.K8s)
}

// Two requests from the same source, appended into one batch, share their
// pods' Resources; the emptied originals are removed.
func TestGroupsSpanEqualResources(t *testing.T) {
	p, _ := groupFixture(t)
	now := time.Now()
	first, second := execEvent(101, now), execEvent(101, now)
	ld := plog.NewLogs()
	first.WriteTo(rawResource(ld).AppendEmpty())
	second.WriteTo(rawResource(ld).AppendEmpty())

	out, err := p.processLogs(t.Context(), ld)
	require.NoError(t, err)
	require.Equal(t, 1, out.ResourceLogs().Len(), "no empty Resource left behind")
	rl := out.ResourceLogs().At(0)
	require.Equal(t, 1, rl.ScopeLogs().Len())
	assert.Equal(t, []string{first.ID, second.ID}, eventIDs(rl.ScopeLogs().At(0).LogRecords()))
	uid, _ := rl.Resource().Attributes().Get(attrPodUID)
	assert.NotEmpty(t, uid.Str())
}

// record is an emitted log record and the Resource it came under.
type record struct {
	res pcommon.Resource
	lr  plog.LogRecord
}

func records(batches ...plog.Logs) []record {
	var out []record
	for _, ld := range batches {
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					out = append(out, record{res: rl.Resource(), lr: lr})
				}
			}
		}
	}
	return out
}

// k8sAttrs returns m's k8s.* and container.* attributes.
func k8sAttrs(m pcommon.Map) map[string]string {
	attrs := map[string]string{}
	for k, v := range m.All() {
		if strings.HasPrefix(k, "k8s.") || strings.HasPrefix(k, "container.") {
			attrs[k] = v.AsString()
		}
	}
	return attrs
}

// A scope whose records are all one container's hands them over whole;
// they keep their order and values, and a second scope of the same pod
// joins them after.
func TestOneContainersScopeMovesWhole(t *testing.T) {
	p, pods := groupFixture(t)
	now := time.Now()
	ld := plog.NewLogs()
	var ids []string
	for range 2 {
		ids = append(ids, writeBurstOfPodA(rawResource(ld), now)...)
	}
	out, err := p.processLogs(t.Context(), ld)
	require.NoError(t, err)
	rls := out.ResourceLogs()
	require.Equal(t, 1, rls.Len(), "both originals emptied and removed")
	assert.Equal(t, pods[0].UID, rls.At(0).Resource().Attributes().AsRaw()["k8s.pod.uid"])
	lrs := rls.At(0).ScopeLogs().At(0).LogRecords()
	assert.Equal(t, ids, eventIDs(lrs))
	for _, lr := range lrs.All() {
		st, _ := lr.Attributes().Get(AttrEnrichmentStatus)
		assert.Equal(t, StatusResolved, st.Str())
	}
}

// A scope whose first record stays (a host process's connection) and
// whose other records are all one container's moves those records alone:
// the whole-scope hand-over must read the group from the records that go
// to it, not from the first record, whose place is "stay" (this panicked
// the agent before).
func TestScopeStartingWithAStayingRecordMovesTheRest(t *testing.T) {
	p, pods := groupFixture(t)
	now := time.Now()
	ld := plog.NewLogs()
	lrs := rawResource(ld)
	host := tcpEvent(0, "192.168.1.5", "192.168.1.9", now)
	host.WriteTo(lrs.AppendEmpty())
	ids := writeBurstOfPodA(lrs, now)

	out, err := p.processLogs(t.Context(), ld)
	require.NoError(t, err)
	rls := out.ResourceLogs()
	require.Equal(t, 2, rls.Len(), "the original keeps the host's record; the pod gets its own Resource")
	assert.Equal(t, []string{host.ID}, eventIDs(rls.At(0).ScopeLogs().At(0).LogRecords()))
	assert.Equal(t, pods[0].UID, rls.At(1).Resource().Attributes().AsRaw()["k8s.pod.uid"])
	assert.Equal(t, ids, eventIDs(rls.At(1).ScopeLogs().At(0).LogRecords()))
}

// writeBurstOfPodA appends an exec and an OOM kill of pod a's container
// (cgroup 101) and returns their event ids in order.
func writeBurstOfPodA(lrs plog.LogRecordSlice, at time.Time) []string {
	var ids []string
	for _, ev := range []*unifiedevent.Event{execEvent(101, at), oomEvent(101, at)} {
		ev.WriteTo(lrs.AppendEmpty())
		ids = append(ids, ev.ID)
	}
	return ids
}
