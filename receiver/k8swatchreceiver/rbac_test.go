package k8swatchreceiver

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/yairfalse/tapio/internal/k8stest"
)

func TestForbiddenWatchNamesVerbAndResource(t *testing.T) {
	c := k8stest.Start(t, k8stest.Options{Users: []string{"restricted"}})
	ctx := t.Context()
	tr := startReceiver(t, c, "restricted", func(cfg *Config) { cfg.Node, cfg.ClusterScoped = false, ClusterScopedOff })

	var msg string
	require.Eventually(t, func() bool {
		for _, e := range tr.logs.FilterMessageSnippet("watch forbidden").All() {
			msg = e.Message
			return true
		}
		return false
	}, patience, 50*time.Millisecond)
	t.Log(msg)
	assert.Regexp(t, `grant verb "(list|watch)" on resource "pods" in API group ""`, msg)
	assert.Contains(t, msg, `User "restricted"`)

	// Granting the permission is enough: the stream recovers by itself.
	rbac := client(t, c)
	_, err := rbac.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "pod-reader"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"list", "watch"}}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = rbac.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "pod-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "pod-reader"},
		Subjects:   []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: "restricted"}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = rbac.CoreV1().Pods("default").Create(ctx, pod("visible", testNode), metav1.CreateOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(about(tr.records(t), "Pod", "visible")) == 1 }, patience, 50*time.Millisecond)
	assert.NotEmpty(t, tr.logs.FilterMessage("watch recovered").All())
	assert.False(t, strings.Contains(msg, "%!"), "malformed message: %s", msg)
}

func client(t *testing.T, c *k8stest.Cluster) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(c.Config())
	require.NoError(t, err)
	return cs
}
