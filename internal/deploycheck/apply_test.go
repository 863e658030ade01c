package deploycheck

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/yairfalse/tapio/internal/k8stest"
)

// Every base and overlay installs on a real API server: server-side apply
// with dry-run runs the server's defaulting, schema validation and
// admission for each object and stores none of them.
func TestEveryKustomizationDryRunAppliesToARealAPIServer(t *testing.T) {
	c := k8stest.Start(t, k8stest.Options{})
	ctx := t.Context()
	a, err := NewApplier(c.Config())
	require.NoError(t, err)
	for _, dir := range kustomizations(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			objs := render(t, dir)
			kinds := map[string]bool{}
			for _, o := range objs {
				kinds[o.GetKind()] = true
			}
			for _, k := range []string{"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap", "DaemonSet", "Deployment", "Service"} {
				assert.True(t, kinds[k], "no %s rendered", k)
			}
			require.NoError(t, a.Apply(ctx, objs, true))

			ns, _ := agentServiceAccount(t, objs)
			_, err := c.Client().AppsV1().DaemonSets(ns).Get(ctx, agentName, metav1.GetOptions{})
			assert.True(t, apierrors.IsNotFound(err), "a dry run stored the DaemonSet: %v", err)
		})
	}
}

// The dry run is a real check: the server refuses what it would refuse on
// a real apply, and Apply says which object.
func TestDryRunApplyRefusesAnInvalidObject(t *testing.T) {
	c := k8stest.Start(t, k8stest.Options{})
	a, err := NewApplier(c.Config())
	require.NoError(t, err)
	objs := render(t, filepath.Join(deployDir, "base"))
	ds := Find(objs, "DaemonSet", agentName).DeepCopy()
	containers, _, err := unstructured.NestedSlice(ds.Object, "spec", "template", "spec", "containers")
	require.NoError(t, err)
	containers[0].(map[string]any)["ports"] = []any{map[string]any{"name": "metrics", "containerPort": int64(99999)}}
	require.NoError(t, unstructured.SetNestedSlice(ds.Object, containers, "spec", "template", "spec", "containers"))

	ns := Find(objs, "Namespace", ds.GetNamespace())
	err = a.Apply(t.Context(), []*unstructured.Unstructured{ns, ds}, true)
	require.Error(t, err)
	var status *apierrors.StatusError
	require.ErrorAs(t, err, &status)
	assert.True(t, apierrors.IsInvalid(status), "want Invalid, got %v", err)
	assert.Contains(t, err.Error(), "DaemonSet "+ds.GetNamespace()+"/"+agentName)
	assert.Contains(t, err.Error(), "containerPort")

	// A kind the server does not serve is named too.
	odd := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "example.com/v1", "kind": "Nonesuch",
		"metadata": map[string]any{"name": "x", "namespace": "default"},
	}}
	err = a.Apply(t.Context(), []*unstructured.Unstructured{odd}, true)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Nonesuch default/x: kind not served")
}
