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
