package deploycheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// What the issue asks of the agent DaemonSet, in every kustomization.
func TestAgentDaemonSetHasWhatTheReceiversNeed(t *testing.T) {
	for _, dir := range kustomizations(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			objs := render(t, dir)
			var ds appsv1.DaemonSet
			fromUnstructured(t, Find(objs, "DaemonSet", agentName), &ds)
			pod := ds.Spec.Template.Spec
			assert.True(t, pod.HostPID, "hostPID")
			require.Len(t, pod.Containers, 1)
			c := pod.Containers[0]

			sc := c.SecurityContext
			require.NotNil(t, sc)
			assert.False(t, sc.Privileged != nil && *sc.Privileged, "the agent must not be privileged")
			assert.Equal(t, []corev1.Capability{"ALL"}, sc.Capabilities.Drop)
			assert.ElementsMatch(t, []corev1.Capability{"BPF", "PERFMON", "NET_ADMIN", "SYS_RESOURCE"}, sc.Capabilities.Add)

			env := map[string]corev1.EnvVar{}
			for _, e := range c.Env {
				env[e.Name] = e
			}
			require.Contains(t, env, "NODE_NAME")
			assert.Equal(t, "spec.nodeName", env["NODE_NAME"].ValueFrom.FieldRef.FieldPath)
			require.Contains(t, env, "POD_NAMESPACE")

			mounts := map[string]bool{}
			for _, m := range c.VolumeMounts {
				mounts[m.MountPath] = true
			}
			for _, p := range []string{"/sys/fs/cgroup", "/var/log", "/run/log/journal", "/run/dbus", "/var/run/cilium", "/var/lib/otelcol-tapio"} {
				assert.True(t, mounts[p], "host mount %s", p)
			}

			assert.NotNil(t, c.Resources.Requests.Memory())
			assert.False(t, c.Resources.Limits.Memory().IsZero(), "memory limit")
			require.NotNil(t, c.LivenessProbe)
			require.NotNil(t, c.ReadinessProbe)
			assert.Equal(t, "health", c.LivenessProbe.HTTPGet.Port.String())
			assert.Equal(t, "8888", ds.Spec.Template.Annotations["prometheus.io/port"])
			assert.Equal(t, "true", ds.Spec.Template.Annotations["prometheus.io/scrape"])
		})
	}
}

// The ConfigMaps carry the config files byte for byte, and the workloads
// mount the generated (hash-suffixed) names, so what is validated is what
// runs.
func TestWorkloadsMountTheShippedConfigs(t *testing.T) {
	cases := map[string]string{
		"DaemonSet/" + agentName:           "config/agent.yaml",
		"Deployment/otelcol-tapio-gateway": "config/gateway.yaml",
	}
	objs := render(t, filepath.Join(deployDir, "base"))
	for workload, file := range cases {
		kind, name, _ := strings.Cut(workload, "/")
		w := Find(objs, kind, name)
		require.NotNil(t, w, workload)
		volumes, _, err := unstructured.NestedSlice(w.Object, "spec", "template", "spec", "volumes")
		require.NoError(t, err)
		var cmName string
		for _, v := range volumes {
			if n, ok, _ := unstructured.NestedString(v.(map[string]any), "configMap", "name"); ok {
				cmName = n
			}
		}
		cm := Find(objs, "ConfigMap", cmName)
		require.NotNil(t, cm, "%s mounts ConfigMap %q, which is not rendered", workload, cmName)
		data, _, err := unstructured.NestedString(cm.Object, "data", "config.yaml")
		require.NoError(t, err)
		assert.Equal(t, readFile(t, filepath.Join(deployDir, file)), data, "%s's config", workload)
	}
}

func TestRenderNamesTheBrokenFile(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "kustomization.yaml"),
		[]byte("resources:\n  - missing-daemonset.yaml\n"), 0o600))
	_, err := Render(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing-daemonset.yaml")
}

func fromUnstructured(t *testing.T, u *unstructured.Unstructured, into any) {
	t.Helper()
	require.NotNil(t, u)
	require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into))
}
