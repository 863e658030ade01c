package k8swatchreceiver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/yairfalse/tapio/internal/k8stest"
)

const patience = 60 * time.Second

func pod(name, node string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1"}}},
	}
}

func TestPodLifecycleIsEmittedInOrder(t *testing.T) {
	c := k8stest.Start(t, k8stest.Options{Kwok: true})
	ctx := t.Context()
	client := c.Client()
	_, err := c.AddNode(ctx, testNode)
	require.NoError(t, err)

	tr := startReceiver(t, c, k8stest.AdminUser, func(cfg *Config) { cfg.ClusterScoped = ClusterScopedOff })
	_, err = client.CoreV1().Pods("default").Create(ctx, pod("web", testNode), metav1.CreateOptions{})
	require.NoError(t, err)
	// A pod on another node belongs to that node's agent.
	_, err = client.CoreV1().Pods("default").Create(ctx, pod("elsewhere", "node-b"), metav1.CreateOptions{})
	require.NoError(t, err)

	require.Eventually(t, func() bool {
		for _, r := range about(tr.records(t), "Pod", "web") {
			if r.Object.Status["phase"] == "Running" && r.Object.Status["podIP"] != nil {
				return true
			}
		}
		return false
	}, patience, 50*time.Millisecond, "no Running record for the pod\n%s", c.LogTails())

	require.NoError(t, client.CoreV1().Pods("default").Delete(ctx, "web", metav1.DeleteOptions{}))
	require.Eventually(t, func() bool {
		recs := about(tr.records(t), "Pod", "web")
		return len(recs) > 0 && recs[len(recs)-1].Type == "DELETED"
	}, patience, 50*time.Millisecond, "no DELETED record for the pod\n%s", c.LogTails())

	recs := tr.records(t)
	web := about(recs, "Pod", "web")
	require.Equal(t, "ADDED", web[0].Type, "%v", web)
	for i, r := range web[1 : len(web)-1] {
		assert.Equal(t, "MODIFIED", r.Type, "record %d: %s", i+1, r)
	}
	for i := 1; i < len(web); i++ {
		assert.True(t, newer(web[i].Object.Metadata.ResourceVersion, web[i-1].Object.Metadata.ResourceVersion),
			"records out of order: %s after %s", web[i], web[i-1])
	}
	assert.Empty(t, about(recs, "Pod", "elsewhere"), "a pod of another node was emitted")
	assert.NotEmpty(t, about(recs, "Node", testNode), "this node's Node object was not emitted")
	requireNoRepeats(t, recs)
}

func TestEventsFromBothAPIsAreEmittedOnceWithReasonAndInvolvedObject(t *testing.T) {
	c := k8stest.Start(t, k8stest.Options{})
	ctx := t.Context()
	client := c.Client()
	tr := startReceiver(t, c, k8stest.AdminUser, func(cfg *Config) {
		cfg.Pods, cfg.Node, cfg.ClusterScoped = false, false, ClusterScopedOn
	})

	now := metav1.Now()
	involved := corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "cart-1", UID: types.UID("7d9f8c6b-0000-4000-8000-000000000001"), APIVersion: "v1"}
	_, err := client.CoreV1().Events("default").Create(ctx, &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "cart-1.backoff", Namespace: "default"},
		InvolvedObject: involved,
		Reason:         "BackOff", Message: "Back-off restarting failed container cart", Type: corev1.EventTypeWarning,
		Count: 3, FirstTimestamp: now, LastTimestamp: now, Source: corev1.EventSource{Component: "kubelet", Host: testNode},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = client.EventsV1().Events("default").Create(ctx, &eventsv1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: "cart-1.oom", Namespace: "default"},
		Regarding:  involved, Reason: "OOMKilling", Note: "Memory cgroup out of memory", Type: corev1.EventTypeWarning,
		EventTime: metav1.NewMicroTime(now.Time), Action: "Killing", ReportingController: "kernel-monitor", ReportingInstance: "kernel-monitor-" + testNode,
	}, metav1.CreateOptions{})
	require.NoError(t, err)

	require.Eventually(t, func() bool {
		recs := tr.records(t)
		return len(about(recs, "Event", "cart-1.backoff")) > 0 && len(about(recs, "Event", "cart-1.oom")) > 0
	}, patience, 50*time.Millisecond)
	recs := tr.records(t)
	for name, reason := range map[string]string{"cart-1.backoff": "BackOff", "cart-1.oom": "OOMKilling"} {
		got := about(recs, "Event", name)
		require.Len(t, got, 1, "%s: %v", name, got)
		assert.Equal(t, "ADDED", got[0].Type)
		assert.Equal(t, reason, got[0].Object.Reason)
		assert.Equal(t, "Warning", got[0].Object.Type)
		assert.Equal(t, "Pod", got[0].Object.InvolvedObject["kind"], "core/v1 names the involved object for both APIs")
		assert.Equal(t, "cart-1", got[0].Object.InvolvedObject["name"])
	}
	requireNoRepeats(t, recs)
}

func TestAPIServerRestartDeliversEveryChangeOnce(t *testing.T) {
	c := k8stest.Start(t, k8stest.Options{APIServers: 2})
	ctx := t.Context()
	viaFirst := c.Client()
	second, err := kubernetes.NewForConfig(c.ConfigForServer(1, k8stest.AdminUser))
	require.NoError(t, err)
	for _, name := range []string{"keep", "remove", "change"} {
		_, err := viaFirst.CoreV1().Pods("default").Create(ctx, pod(name, testNode), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	// The receiver talks to the first API server only (its kubeconfig).
	tr := startReceiver(t, c, k8stest.AdminUser, func(cfg *Config) { cfg.Node, cfg.ClusterScoped = false, ClusterScopedOff })
	require.Eventually(t, func() bool { return len(tr.records(t)) == 3 }, patience, 50*time.Millisecond)

	c.APIServer(0).Stop()
	// Changes made while the receiver's server is down, through the other.
	_, err = second.CoreV1().Pods("default").Create(ctx, pod("new", testNode), metav1.CreateOptions{})
	require.NoError(t, err)
	require.NoError(t, second.CoreV1().Pods("default").Delete(ctx, "remove", metav1.DeleteOptions{GracePeriodSeconds: new(int64)}))
	changed, err := second.CoreV1().Pods("default").Get(ctx, "change", metav1.GetOptions{})
	require.NoError(t, err)
	changed.Labels = map[string]string{"changed": "while-down"}
	_, err = second.CoreV1().Pods("default").Update(ctx, changed, metav1.UpdateOptions{})
	require.NoError(t, err)

	restart, cancel := context.WithTimeout(ctx, patience)
	defer cancel()
	require.NoError(t, c.APIServer(0).Start(restart))
	// And one made after the reconnect, through the receiver's own server.
	_, err = viaFirst.CoreV1().Pods("default").Create(ctx, pod("after", testNode), metav1.CreateOptions{})
	require.NoError(t, err)

	// The reflector's backoff grew while the server was down (up to 30 s,
	// jittered), so the reconnect may take a while on a busy machine.
	require.Eventually(t, func() bool {
		recs := tr.records(t)
		return len(about(recs, "Pod", "new")) == 1 && len(about(recs, "Pod", "remove")) == 2 &&
			len(about(recs, "Pod", "change")) == 2 && len(about(recs, "Pod", "after")) == 1
	}, 2*patience, 50*time.Millisecond, "changes missing after the reconnect: %v", tr.records(t))

	recs := tr.records(t)
	t.Logf("records: %v", recs)
	assert.Equal(t, []string{"ADDED"}, changeTypes(about(recs, "Pod", "keep")), "an unchanged pod was emitted again")
	assert.Equal(t, []string{"ADDED", "DELETED"}, changeTypes(about(recs, "Pod", "remove")))
	changeRecs := about(recs, "Pod", "change")
	assert.Equal(t, []string{"ADDED", "MODIFIED"}, changeTypes(changeRecs))
	assert.Equal(t, "while-down", changeRecs[1].Object.Metadata.Labels["changed"])
	assert.Equal(t, []string{"ADDED"}, changeTypes(about(recs, "Pod", "new")))
	assert.Equal(t, []string{"ADDED"}, changeTypes(about(recs, "Pod", "after")))
	requireNoRepeats(t, recs)

	// Self-telemetry saw the outage and tracks the four pods left.
	assert.Positive(t, tr.sum(t, "tapio_k8s_watch.watch.errors", attribute.String("resource", "pods")))
	assert.Equal(t, int64(4), tr.sum(t, "tapio_k8s_watch.objects.cached", attribute.String("resource", "pods")))
	assert.Equal(t, int64(len(recs)-countLoss(recs)), tr.sum(t, "tapio_k8s_watch.events.received"))

	// A restarted API server cannot resume a watch from before its start
	// (410 Gone), so the changes come from a re-list, and the records say
	// so, with a loss record for the states that were never seen.
	if changeRecs[1].Origin == originRelist {
		assert.Positive(t, countLoss(recs), "a re-list that found changes must report the gap")
		assert.Positive(t, tr.sum(t, "tapio_k8s_watch.relists"))
	}
}

func countLoss(recs []record) int {
	n := 0
	for _, r := range recs {
		if r.Loss {
			n++
		}
	}
	return n
}
