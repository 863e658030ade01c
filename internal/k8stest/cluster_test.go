package k8stest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestClusterRunsPodsOnKwokNodes(t *testing.T) {
	c := Start(t, Options{Kwok: true})
	ctx := t.Context()
	client := c.Client()

	_, err := c.AddNode(ctx, "node-a")
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		n, err := client.CoreV1().Nodes().Get(ctx, "node-a", metav1.GetOptions{})
		return err == nil && nodeReady(n)
	}, 30*time.Second, 100*time.Millisecond, "kwok did not make the node Ready\n%s", c.LogTails())

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.PodSpec{
			NodeName:   "node-a",
			Containers: []corev1.Container{{Name: "web", Image: "nginx"}},
		},
	}
	_, err = client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		p, err := client.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning && p.Status.PodIP != ""
	}, 30*time.Second, 100*time.Millisecond, "kwok did not run the pod\n%s", c.LogTails())
}

func TestClusterUsersHaveNoRightsUntilGranted(t *testing.T) {
	c := Start(t, Options{Users: []string{"viewer"}})
	cs, err := kubernetes.NewForConfig(c.ConfigFor("viewer"))
	require.NoError(t, err)
	_, err = cs.CoreV1().Pods("").List(t.Context(), metav1.ListOptions{})
	require.True(t, apierrors.IsForbidden(err), "want forbidden, got %v", err)

	// The kubeconfig file reaches the same server as the same user.
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig(AdminUser))
	require.NoError(t, err)
	admin, err := kubernetes.NewForConfig(cfg)
	require.NoError(t, err)
	_, err = admin.CoreV1().Pods("").List(t.Context(), metav1.ListOptions{})
	require.NoError(t, err)
}

func TestAPIServerRestartKeepsDataAndAddress(t *testing.T) {
	c := Start(t, Options{APIServers: 2})
	ctx := t.Context()
	first, second := c.Client(), mustClient(t, c, 1)

	c.APIServer(0).Stop()
	_, err := first.CoreV1().Namespaces().Get(ctx, "default", metav1.GetOptions{})
	require.Error(t, err, "the stopped server must not answer")

	// The second server shares etcd, so a change made through it while the
	// first is down is there when the first comes back.
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "made-while-down"}}
	_, err = second.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	require.NoError(t, err)

	restart, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	require.NoError(t, c.APIServer(0).Start(restart))
	_, err = first.CoreV1().Namespaces().Get(ctx, "made-while-down", metav1.GetOptions{})
	assert.NoError(t, err)
}

func mustClient(t *testing.T, c *Cluster, server int) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(c.ConfigForServer(server, AdminUser))
	require.NoError(t, err)
	return cs
}

func nodeReady(n *corev1.Node) bool {
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}
