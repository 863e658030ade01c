package k8swatchreceiver

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/yairfalse/tapio/internal/k8stest"
)

// The agent's ServiceAccount as the API server names it; the harness
// authenticates it by token, and RBAC matches it to ServiceAccount
// subjects as it would the mounted token.
const agentSA = "system:serviceaccount:tapio:otelcol-tapio-agent"

var agentSubject = rbacv1.Subject{Kind: "ServiceAccount", Name: "otelcol-tapio-agent", Namespace: "tapio"}

// installAgentRBAC grants what deploy/base/agent/rbac.yaml grants the
// agent, but list and watch only on the given core resources: those
// cluster-wide, and the Lease in the agent's namespace only.
func installAgentRBAC(t *testing.T, c *k8stest.Cluster, resources ...string) {
	t.Helper()
	_, err := c.Client().CoreV1().Namespaces().Create(t.Context(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "tapio"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	grant(t, c, agentSubject, "agent-streams",
		rbacv1.PolicyRule{APIGroups: []string{""}, Resources: resources, Verbs: []string{"list", "watch"}})
	grantLease(t, c, "tapio")
}

// grant binds a new ClusterRole with rules to subject, cluster-wide.
func grant(t *testing.T, c *k8stest.Cluster, subject rbacv1.Subject, name string, rules ...rbacv1.PolicyRule) {
	t.Helper()
	admin := c.Client()
	_, err := admin.RbacV1().ClusterRoles().Create(t.Context(), &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules,
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = admin.RbacV1().ClusterRoleBindings().Create(t.Context(), &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: name},
		Subjects:   []rbacv1.Subject{subject},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
}

// grantLease grants the shipped Role's Lease rights in namespace ns.
func grantLease(t *testing.T, c *k8stest.Cluster, ns string) {
	t.Helper()
	admin := c.Client()
	_, err := admin.RbacV1().Roles(ns).Create(t.Context(), &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "agent-leader"},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, ResourceNames: []string{"tapio-k8s-watch"}, Verbs: []string{"get", "update"}},
			{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"create"}},
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = admin.RbacV1().RoleBindings(ns).Create(t.Context(), &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "agent-leader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "agent-leader"},
		Subjects:   []rbacv1.Subject{agentSubject},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
}

// agentSettings are deploy/config/agent.yaml's: this node's pods and Node,
// Events under leader election, the Lease in POD_NAMESPACE.
func agentSettings(cfg *Config) {
	cfg.Pods, cfg.Node, cfg.Events, cfg.ClusterScoped = true, true, true, ClusterScopedLeaderElection
	cfg.LeaderElection.LeaseName, cfg.LeaderElection.LeaseNamespace = "tapio-k8s-watch", ""
}

// forbiddenLog waits for the error log naming resource as forbidden.
func forbiddenLog(t *testing.T, tr *testReceiver, what, resource string) string {
	t.Helper()
	var msg string
	found := assert.Eventually(t, func() bool {
		for _, e := range tr.logs.FilterMessageSnippet(what + " forbidden").FilterField(zap.String("resource", resource)).All() {
			msg = e.Message
			return true
		}
		return false
	}, patience, 50*time.Millisecond)
	if !found {
		t.Fatalf("no %s forbidden log for %s; logs: %v", what, resource, messages(tr))
	}
	t.Log(msg)
	return msg
}

// requireStatus waits until the latest reported status is want and, for
// an error, mentions each of mentions.
func requireStatus(t *testing.T, tr *testReceiver, want componentstatus.Status, mentions ...string) {
	t.Helper()
	require.Eventually(t, func() bool {
		ev := tr.host.last()
		if ev == nil || ev.Status() != want {
			return false
		}
		for _, m := range mentions {
			if !errors.Is(ev.Err(), ErrForbidden) || !strings.Contains(ev.Err().Error(), m) {
				return false
			}
		}
		return true
	}, patience, 50*time.Millisecond, "status %v, want %v mentioning %v", tr.host.last(), want, mentions)
}

// The reported case, with the Lease granted where the agent campaigns:
// the leader names the forbidden Events stream (and the Node stream, also
// forbidden here), counts and reports each, and picks them up once
// granted; the status is OK only when both are.
func TestLeaderNamesForbiddenEventsStreamAndRecovers(t *testing.T) {
	c := k8stest.Start(t, k8stest.Options{Users: []string{agentSA}})
	installAgentRBAC(t, c, "pods")
	t.Setenv("POD_NAMESPACE", "tapio")
	tr := startReceiver(t, c, agentSA, agentSettings)
	require.Eventually(t, func() bool { return tr.sum(t, "tapio_k8s_watch.leader") == 1 }, patience, 50*time.Millisecond)

	for _, res := range []string{"events", "nodes"} {
		msg := forbiddenLog(t, tr, "watch", res)
		assert.Regexp(t, `grant verb "(list|watch)" on resource "`+res+`" in API group ""`, msg)
		assert.Contains(t, msg, `User "`+agentSA+`"`)
		assert.Positive(t, tr.sum(t, "tapio_k8s_watch.watch.errors",
			attribute.String("resource", res), attribute.String("reason", reasonForbidden)))
	}
	requireStatus(t, tr, componentstatus.StatusRecoverableError, `"events"`, `"nodes"`)

	// The granted streams run regardless and never fail.
	_, err := c.Client().CoreV1().Pods("default").Create(t.Context(), pod("web", testNode), metav1.CreateOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(about(tr.records(t), "Pod", "web")) == 1 }, patience, 50*time.Millisecond)
	assert.Zero(t, tr.sum(t, "tapio_k8s_watch.watch.errors", attribute.String("resource", "pods")))
	// Creating the Lease after finding none is how an election starts,
	// not a failure.
	assert.Zero(t, tr.sum(t, "tapio_k8s_watch.watch.errors", attribute.String("resource", resourceLeases)))

	// Nodes granted alone: the status still names Events.
	grant(t, c, agentSubject, "agent-nodes",
		rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"list", "watch"}})
	_, err = c.Client().CoreV1().Nodes().Create(t.Context(), &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: testNode}}, metav1.CreateOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(about(tr.records(t), "Node", testNode)) == 1 },
		patience, 50*time.Millisecond, "the Node stream did not recover")
	requireStatus(t, tr, componentstatus.StatusRecoverableError, `"events"`)
	assert.NotContains(t, tr.host.last().Err().Error(), `"nodes"`)

	grant(t, c, agentSubject, "agent-events",
		rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"list", "watch"}})
	emitEvent(t, c, "after-grant")
	require.Eventually(t, func() bool { return len(about(tr.records(t), "Event", "after-grant")) == 1 },
		patience, 50*time.Millisecond, "the Events stream did not recover")
	for _, res := range []string{"events", "nodes"} {
		assert.NotEmpty(t, tr.logs.FilterMessage("watch recovered").FilterField(zap.String("resource", res)).All(), res)
	}
	requireStatus(t, tr, componentstatus.StatusOK)
}

// Why the colleague saw nothing: run outside a pod, POD_NAMESPACE is
// unset, so the shipped empty lease_namespace puts the Lease in default,
// where the shipped Role grants nothing. The receiver never led, so the
// Events stream never started, and client-go's elector told only klog.
// The forbidden Lease must be named like a forbidden stream; granting it
// makes the receiver lead and then name the forbidden Events stream.
func TestForbiddenLeaseIsNamedAndRecovers(t *testing.T) {
	c := k8stest.Start(t, k8stest.Options{Users: []string{agentSA}})
	installAgentRBAC(t, c, "pods", "nodes")
	t.Setenv("POD_NAMESPACE", "")
	tr := startReceiver(t, c, agentSA, agentSettings)

	msg := forbiddenLog(t, tr, "lease", resourceLeases)
	assert.Regexp(t, `grant verb "(get|create)" on resource "leases" in API group "coordination.k8s.io"`, msg)
	assert.Contains(t, msg, "Lease tapio-k8s-watch in namespace default")
	assert.Positive(t, tr.sum(t, "tapio_k8s_watch.watch.errors",
		attribute.String("resource", resourceLeases), attribute.String("reason", reasonForbidden)))
	requireStatus(t, tr, componentstatus.StatusRecoverableError, `"leases"`)
	assert.NotEmpty(t, tr.logs.FilterMessageSnippet("campaigning").FilterField(zap.String("lease", "default/tapio-k8s-watch")).All())
	assert.Zero(t, tr.sum(t, "tapio_k8s_watch.leader"))

	grantLease(t, c, "default")
	require.Eventually(t, func() bool { return tr.sum(t, "tapio_k8s_watch.leader") == 1 }, patience, 50*time.Millisecond)
	assert.NotEmpty(t, tr.logs.FilterMessage("lease recovered").FilterField(zap.String("resource", resourceLeases)).All())
	forbiddenLog(t, tr, "watch", "events")
	// The Lease's recovery must not leave the status OK while Events fail.
	requireStatus(t, tr, componentstatus.StatusRecoverableError, `"events"`)
}

func emitEvent(t *testing.T, c *k8stest.Cluster, name string) {
	t.Helper()
	at := metav1.Now()
	_, err := c.Client().CoreV1().Events("default").Create(t.Context(), &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: name, Namespace: "default"},
		InvolvedObject: corev1.ObjectReference{Kind: "Node", Name: testNode},
		Reason:         "NodeNotReady", Type: corev1.EventTypeWarning, FirstTimestamp: at, LastTimestamp: at, Count: 1,
	}, metav1.CreateOptions{})
	require.NoError(t, err)
}

func messages(tr *testReceiver) []string {
	var out []string
	for _, e := range tr.logs.All() {
		out = append(out, e.Message)
	}
	return out
}
