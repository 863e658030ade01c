package k8swatchreceiver

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/yairfalse/tapio/internal/k8stest"
	"github.com/yairfalse/tapio/internal/testkit"
)

func TestTwoReceiversEmitEachClusterScopedEventOnce(t *testing.T) {
	c := k8stest.Start(t, k8stest.Options{})
	ctx := t.Context()
	client := c.Client()
	fast := func(cfg *Config) {
		cfg.Pods, cfg.Node = false, false
		cfg.LeaderElection.LeaseDuration = 3 * time.Second
		cfg.LeaderElection.RenewDeadline = 2 * time.Second
		cfg.LeaderElection.RetryPeriod = 200 * time.Millisecond
	}
	a, b := startReceiver(t, c, k8stest.AdminUser, fast), startReceiver(t, c, k8stest.AdminUser, fast)

	// Events dated a minute back: delivered live by the leader, but too old
	// for a new leader's first list to emit again after a handover.
	old := metav1.NewTime(time.Now().Add(-time.Minute))
	emit := func(name string, at metav1.Time) {
		_, err := client.CoreV1().Events("default").Create(ctx, &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Name: name, Namespace: "default"},
			InvolvedObject: corev1.ObjectReference{Kind: "Node", Name: testNode},
			Reason:         "NodeNotReady", Type: corev1.EventTypeWarning, FirstTimestamp: at, LastTimestamp: at, Count: 1,
		}, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	count := func(name string) int {
		return len(about(a.records(t), "Event", name)) + len(about(b.records(t), "Event", name))
	}
	leader := func() *testReceiver {
		l, err := client.CoordinationV1().Leases("default").Get(ctx, "tapio-k8s-watch", metav1.GetOptions{})
		if err != nil || l.Spec.HolderIdentity == nil {
			return nil
		}
		for _, tr := range []*testReceiver{a, b} {
			if len(tr.logs.FilterMessageSnippet("leading").FilterField(zap.String("identity", *l.Spec.HolderIdentity)).All()) > 0 {
				return tr
			}
		}
		return nil
	}
	require.Eventually(t, func() bool { return leader() != nil }, patience, 50*time.Millisecond)

	l := leader()
	follower := a
	if l == a {
		follower = b
	}
	require.Eventually(t, func() bool { return l.sum(t, "tapio_k8s_watch.leader") == 1 }, patience, 50*time.Millisecond)
	assert.Equal(t, int64(0), follower.sum(t, "tapio_k8s_watch.leader"))

	names := []string{"ev-1", "ev-2", "ev-3"}
	for _, n := range names {
		emit(n, old)
	}
	require.Eventually(t, func() bool { return count("ev-1")+count("ev-2")+count("ev-3") == 3 }, patience, 50*time.Millisecond)

	// Hand over: the leader stops and releases the Lease; the other takes
	// over, does not repeat what was delivered, and emits what is new.
	first := leader()
	require.NoError(t, first.r.Shutdown(ctx))
	other := a
	if first == a {
		other = b
	}
	require.Eventually(t, func() bool { return leader() == other }, patience, 50*time.Millisecond)
	emit("ev-after-handover", metav1.Now())
	require.Eventually(t, func() bool { return count("ev-after-handover") == 1 }, patience, 50*time.Millisecond)
	assert.Never(t, func() bool { return count("ev-1")+count("ev-2")+count("ev-3")+count("ev-after-handover") != 4 },
		2*time.Second, 100*time.Millisecond, "an Event was emitted twice")
	requireNoRepeats(t, append(a.records(t), b.records(t)...))
}

func TestGatewayResourcesFullAndMetadataOnly(t *testing.T) {
	c := k8stest.Start(t, k8stest.Options{})
	ctx := t.Context()
	client := c.Client()
	tr := startReceiver(t, c, k8stest.AdminUser, func(cfg *Config) {
		cfg.Pods, cfg.Events, cfg.ClusterScoped = false, false, ClusterScopedOn
		cfg.Resources = []ResourceConfig{{Name: "services"}, {Name: "replicasets.apps", MetadataOnly: true}, {Name: "nodes"}}
	})
	for _, n := range []string{testNode, "node-b"} {
		_, err := client.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n}}, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	_, err := client.CoreV1().Services("default").Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "cart"},
		Spec:       corev1.ServiceSpec{Selector: map[string]string{"app": "cart"}, Ports: []corev1.ServicePort{{Port: 80}}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	labels := map[string]string{"app": "cart"}
	_, err = client.AppsV1().ReplicaSets("default").Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "cart-7d9f", Labels: labels},
		Spec: appsv1.ReplicaSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "cart", Image: "registry.example/cart:1"}}},
			},
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err)

	require.Eventually(t, func() bool {
		recs := tr.records(t)
		return len(about(recs, "Service", "cart")) == 1 && len(about(recs, "ReplicaSet", "cart-7d9f")) == 1 &&
			len(about(recs, "Node", "node-b")) == 1 && len(about(recs, "Node", testNode)) == 1
	}, patience, 50*time.Millisecond, "%v", tr.records(t))

	var bodies []map[string]any
	for _, lr := range testkit.LogRecords(tr.sink.AllLogs()...) {
		var body struct{ Object map[string]any }
		require.NoError(t, json.Unmarshal(lr.Body().Bytes().AsRaw(), &body))
		bodies = append(bodies, body.Object)
	}
	for _, o := range bodies {
		switch o["kind"] {
		case "Service":
			assert.Contains(t, o, "spec", "a full object keeps its spec")
			assert.Equal(t, "v1", o["apiVersion"])
		case "ReplicaSet":
			assert.NotContains(t, o, "spec", "metadata_only emits metadata only")
			assert.Equal(t, "apps/v1", o["apiVersion"], "the real kind, not PartialObjectMetadata")
		}
		md, _ := o["metadata"].(map[string]any)
		assert.NotContains(t, md, "managedFields")
	}
	requireNoRepeats(t, tr.records(t))
}
