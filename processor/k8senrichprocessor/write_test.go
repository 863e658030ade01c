package k8senrichprocessor

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/unifiedevent"
	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/kubecache"
)

// A connection to a ClusterIP whose Service has several pods names the
// Service, not a guessed pod; the name list aliases the cached Service, so
// the record must still read back as a plain UnifiedEvent.
func TestPeerServiceWithManyBackends(t *testing.T) {
	p, _, _ := offline(t, func(c *Config) { c.HoldBack = 0 })
	now := time.Now()
	for i, name := range []string{"web-a", "web-b"} {
		p.cache.UpsertPod(&kubecache.Pod{
			UID: name + "-uid", Name: name, Namespace: "shop", Node: otherNode,
			Labels: []string{"app", "web"}, IPs: []netip.Addr{netip.AddrFrom4([4]byte{10, 244, 9, byte(i + 1)})},
			Created: now.Add(-time.Hour),
		}, now.Add(-time.Hour))
	}
	p.cache.ReplaceServices([]*kubecache.Service{{Name: "web", Namespace: "shop",
		ClusterIPs: []netip.Addr{netip.MustParseAddr("10.96.7.7")}, Selector: []string{"app", "web"}}})

	ev := tcpEvent(0, "192.0.2.10", "10.96.7.7", now)
	lr := plog.NewLogRecord()
	ev.WriteTo(lr)
	out, at := p.enrich(lr, now, false, false)
	require.Equal(t, StatusResolved, out.status)
	require.Nil(t, at.pod, "nothing to move: the subject is no pod")

	got, err := unifiedevent.FromLogRecord(lr)
	require.NoError(t, err)
	require.Equal(t, &unifiedevent.K8s{Namespace: "shop", Services: []string{"web"}}, got.Peer)
	require.Nil(t, got.K8s, "the subject is not a pod")

	// The record owns its values: changing them leaves the cache alone.
	peer, _ := lr.Body().Map().Get("peer")
	svcs, _ := peer.Map().Get("services")
	svcs.Slice().At(0).SetStr("changed")
	_, svc := p.resolver.peer(&keys{peerAddress: "10.96.7.7"})
	require.Equal(t, "web", svc.Name)
}

// A record's status and peer part cost their own values and nothing more:
// WriteTo leaves a slot for each (one more would reallocate the record's
// attributes or body, every slot copied). A pod peer is its map (3
// objects), six names and the one-Service list (4); a Service peer its
// map, namespace and list; the status is 1.
func TestStatusAndPeerCostOnlyTheirValues(t *testing.T) {
	p, _, _ := offline(t, func(c *Config) { c.HoldBack = 0 })
	now := time.Now()
	p.cache.UpsertPod(&kubecache.Pod{
		UID: "db-uid", Name: "db-0", Namespace: "shop", Node: otherNode, OwnerKind: "StatefulSet", OwnerName: "db",
		Labels: []string{"app", "db"}, IPs: []netip.Addr{netip.MustParseAddr("10.244.9.1")}, Created: now.Add(-time.Hour),
	}, now.Add(-time.Hour))
	p.cache.ReplaceServices([]*kubecache.Service{
		{Name: "dns", Namespace: "kube-system", ClusterIPs: []netip.Addr{netip.MustParseAddr("10.96.0.10")}},
		{Name: "db", Namespace: "shop", Selector: []string{"app", "db"}},
	})
	for _, c := range []struct {
		name string
		ev   func() *unifiedevent.Event
		want float64
	}{
		{"pod peer", func() *unifiedevent.Event { return tcpEvent(0, "192.0.2.10", "10.244.9.1", now) }, 1 + 3 + 6 + 4},
		{"service peer", func() *unifiedevent.Event { return dnsEvent(0, "192.0.2.10", now) }, 1 + 3 + 1 + 4},
	} {
		const runs = 50
		lrs := plog.NewLogRecordSlice()
		for range runs + 1 {
			c.ev().WriteTo(lrs.AppendEmpty())
		}
		i := 0
		allocs := testing.AllocsPerRun(runs, func() {
			p.enrich(lrs.At(i), now, false, false)
			i++
		})
		st, _ := lrs.At(0).Attributes().Get(AttrEnrichmentStatus)
		require.Equal(t, StatusResolved, st.Str(), c.name)
		require.Equal(t, c.want, allocs, c.name)
	}
}
