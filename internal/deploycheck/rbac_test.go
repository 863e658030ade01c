package deploycheck

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	coordv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/yairfalse/tapio/internal/k8stest"
)

// The agent's RBAC grants exactly what its config's watches need: each
// rule is needed (least privilege) and each need is granted. Read from the
// rendered manifests and the shipped config, so a change to either that
// breaks the match fails here.
func TestAgentRBACIsExactlyWhatItsConfigNeeds(t *testing.T) {
	c := k8stest.Start(t, k8stest.Options{})
	mapper := restMapper(t, c.Config())
	for _, dir := range kustomizations(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			objs := render(t, dir)
			ns, sa := agentServiceAccount(t, objs)
			need, err := AgentNeeds(agentConfig, ns, mapper)
			require.NoError(t, err)
			require.NotEmpty(t, need)
			granted, err := Granted(objs, ns, sa)
			require.NoError(t, err)
			assert.ElementsMatch(t, need, Union(granted), "need (from %s) vs granted (by the manifests)", agentConfig)
		})
	}
}

// Authenticated as the agent's ServiceAccount with a token the API server
// issued, every list and watch the config makes succeeds, the Lease can be
// taken and renewed, and what the agent does not need is refused.
func TestAgentServiceAccountCanDoWhatTheConfigDoesAndNothingElse(t *testing.T) {
	c := k8stest.Start(t, k8stest.Options{})
	ctx := t.Context()
	objs := render(t, filepath.Join(deployDir, "base"))
	sa := installAgentRBAC(t, c, objs)
	cfg, err := WatchReceiverConfig(agentConfig)
	require.NoError(t, err)
	mapper := restMapper(t, c.Config())
	need, err := AgentNeeds(agentConfig, sa.namespace, mapper)
	require.NoError(t, err)

	for _, a := range need {
		assert.True(t, sa.allowed(t, a), "the agent's ServiceAccount may not %s", a)
	}

	// Real calls: every cluster-wide list and watch.
	dyn, err := dynamic.NewForConfig(sa.config)
	require.NoError(t, err)
	for _, a := range need {
		if a.Namespace != "" || a.Verb != "list" {
			continue
		}
		gvr, err := mapper.ResourceFor(schema.GroupVersionResource{Group: a.Group, Resource: a.Resource})
		require.NoError(t, err)
		_, err = dyn.Resource(gvr).List(ctx, metav1.ListOptions{})
		require.NoError(t, err, "list %s", gvr)
		w, err := dyn.Resource(gvr).Watch(ctx, metav1.ListOptions{TimeoutSeconds: ptr(int64(1))})
		require.NoError(t, err, "watch %s", gvr)
		w.Stop()
	}
	leases := sa.client.CoordinationV1().Leases(sa.namespace)
	lease, err := leases.Create(ctx, &coordv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: cfg.LeaderElection.LeaseName}}, metav1.CreateOptions{})
	require.NoError(t, err)
	lease, err = leases.Get(ctx, lease.Name, metav1.GetOptions{})
	require.NoError(t, err)
	lease.Spec.HolderIdentity = ptr("node-a")
	_, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
	require.NoError(t, err)

	refused := []Access{
		{Resource: "secrets", Verb: "list"},
		{Resource: "secrets", Verb: "get", Namespace: sa.namespace},
		{Resource: "configmaps", Verb: "list"},
		{Resource: "pods", Verb: "delete", Namespace: "default"},
		{Resource: "pods", Verb: "create", Namespace: "default"},
		{Resource: "pods/exec", Verb: "create", Namespace: "default"},
		{Resource: "pods/log", Verb: "get", Namespace: "default"},
		{Resource: "nodes", Verb: "patch"},
		{Resource: "events", Verb: "create", Namespace: "default"},
		{Group: "apps", Resource: "deployments", Verb: "list"},
		{Group: "apps", Resource: "replicasets", Verb: "delete", Namespace: "default"},
		{Resource: "services", Verb: "update", Namespace: "default"},
		{Group: "coordination.k8s.io", Resource: "leases", Verb: "update", Namespace: sa.namespace, Name: "someone-elses"},
		{Group: "coordination.k8s.io", Resource: "leases", Verb: "list", Namespace: sa.namespace},
		{Group: "coordination.k8s.io", Resource: "leases", Verb: "create", Namespace: "kube-system"},
		{Group: "rbac.authorization.k8s.io", Resource: "clusterroles", Verb: "update", Name: agentName},
	}
	for _, a := range refused {
		assert.False(t, sa.allowed(t, a), "the agent's ServiceAccount may %s, which it does not need", a)
	}
	_, err = sa.client.CoreV1().Secrets("").List(ctx, metav1.ListOptions{})
	assert.True(t, apierrors.IsForbidden(err), "list secrets: want forbidden, got %v", err)
	err = sa.client.CoreV1().Pods("default").Delete(ctx, "any", metav1.DeleteOptions{})
	assert.True(t, apierrors.IsForbidden(err), "delete a pod: want forbidden, got %v", err)
}

// serviceAccount is a client authenticated as a ServiceAccount.
type serviceAccount struct {
	namespace, name string
	config          *rest.Config
	client          kubernetes.Interface
}

// installAgentRBAC applies the rendered objects for real and returns a
// client holding a token the API server issued for the agent's
// ServiceAccount, as the kubelet would mount into the pod.
func installAgentRBAC(t *testing.T, c *k8stest.Cluster, objs []*unstructured.Unstructured) *serviceAccount {
	t.Helper()
	ctx := t.Context()
	a, err := NewApplier(c.Config())
	require.NoError(t, err)
	require.NoError(t, a.Apply(ctx, objs, false))
	ns, name := agentServiceAccount(t, objs)
	tok, err := c.Client().CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authnv1.TokenRequest{
		Spec: authnv1.TokenRequestSpec{ExpirationSeconds: ptr(int64(3600))},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	admin := c.Config()
	cfg := &rest.Config{Host: admin.Host, BearerToken: tok.Status.Token, TLSClientConfig: admin.TLSClientConfig}
	client, err := kubernetes.NewForConfig(cfg)
	require.NoError(t, err)

	// The token really is the ServiceAccount's.
	review, err := client.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	require.NoError(t, err)
	require.Equal(t, "system:serviceaccount:"+ns+":"+name, review.Status.UserInfo.Username)
	return &serviceAccount{namespace: ns, name: name, config: cfg, client: client}
}

// allowed asks the API server's authorizer, as the ServiceAccount.
func (sa *serviceAccount) allowed(t *testing.T, a Access) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	resource, sub := a.Resource, ""
	if i := strings.IndexByte(resource, '/'); i >= 0 {
		resource, sub = resource[:i], resource[i+1:]
	}
	r, err := sa.client.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authzv1.SelfSubjectAccessReview{
		Spec: authzv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authzv1.ResourceAttributes{
			Group: a.Group, Resource: resource, Subresource: sub, Verb: a.Verb, Namespace: a.Namespace, Name: a.Name,
		}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	return r.Status.Allowed
}

func restMapper(t *testing.T, cfg *rest.Config) *restmapper.DeferredDiscoveryRESTMapper {
	t.Helper()
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	require.NoError(t, err)
	return restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
}

func ptr[T any](v T) *T { return &v }
