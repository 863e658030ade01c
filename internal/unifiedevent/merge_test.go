package unifiedevent

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Merging the parts into a written record must read back exactly as if the
// Event had carried them when written: one schema, two ways to write it.
func TestMergeEqualsWriteTo(t *testing.T) {
	base := envelope(NameTCPConnect, SourceEBPF, "tcp.state")
	base.Process = processPart()
	base.Network = networkPart()
	lr := plog.NewLogRecord()
	base.WriteTo(lr)

	body, attrs := lr.Body().Map(), lr.Attributes()
	k, c, peer := k8sPart(), containerPart(), peerPart()
	k.MergeSubject(body, attrs)
	c.Merge(body, attrs)
	peer.MergePeer(body)

	want := *base
	want.K8s, want.Container, want.Peer = k, c, peer
	wantLR := plog.NewLogRecord()
	want.WriteTo(wantLR)
	require.Equal(t, wantLR.Attributes().AsRaw(), attrs.AsRaw())
	require.Equal(t, wantLR.Body().AsRaw(), body.AsRaw())
	got, err := FromLogRecord(lr)
	require.NoError(t, err)
	require.Equal(t, &want, got)
}

// A decoder's fields the enricher does not know (a Kubernetes Event's
// reason) survive the merge; fields it knows are replaced.
func TestMergeSubjectKeepsDecoderFields(t *testing.T) {
	e := envelope(NameK8sEvent, SourceK8s, "k8s.event")
	e.K8s = &K8s{PodName: "cart-old", Namespace: "shop", Reason: "BackOff"}
	lr := plog.NewLogRecord()
	e.WriteTo(lr)

	enriched := &K8s{PodUID: "8d1e", PodName: "cart-7d9f", Namespace: "shop", WorkloadKind: "Rollout", WorkloadName: "cart"}
	enriched.MergeSubject(lr.Body().Map(), lr.Attributes())

	got, err := FromLogRecord(lr)
	require.NoError(t, err)
	require.Equal(t, &K8s{PodUID: "8d1e", PodName: "cart-7d9f", Namespace: "shop",
		WorkloadKind: "Rollout", WorkloadName: "cart", Reason: "BackOff"}, got.K8s)
	name, _ := lr.Attributes().Get("k8s.pod.name")
	require.Equal(t, "cart-7d9f", name.Str())
	// Rollout has no semconv attribute: the workload stays in the body only.
	for k := range lr.Attributes().All() {
		require.NotContains(t, k, "rollout")
	}
}

func TestWorkloadAttrKey(t *testing.T) {
	for kind, want := range map[string]string{
		"Deployment": "k8s.deployment.name", "ReplicaSet": "k8s.replicaset.name",
		"StatefulSet": "k8s.statefulset.name", "DaemonSet": "k8s.daemonset.name",
		"Job": "k8s.job.name", "CronJob": "k8s.cronjob.name",
	} {
		got, ok := WorkloadAttrKey(kind)
		require.True(t, ok, kind)
		require.Equal(t, want, got)
		_, owned := ownedKeys[got]
		require.True(t, owned, "WriteTo must clear %s", got)
	}
	for _, kind := range []string{"", "Rollout", "deployment", "Pod"} {
		_, ok := WorkloadAttrKey(kind)
		require.False(t, ok, kind)
	}
}
