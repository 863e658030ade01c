package deploycheck

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	deployDir   = "../../deploy"
	agentConfig = deployDir + "/config/agent.yaml"
	agentName   = "otelcol-tapio-agent"
)

// kustomizations is every base and overlay the repository ships: a new
// overlay is checked without touching this test.
func kustomizations(t *testing.T) []string {
	t.Helper()
	dirs := []string{filepath.Join(deployDir, "base")}
	overlays, err := filepath.Glob(filepath.Join(deployDir, "overlays", "*", "kustomization.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, overlays, "no overlays under deploy/overlays")
	for _, o := range overlays {
		dirs = append(dirs, filepath.Dir(o))
	}
	return dirs
}

func render(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	objs, err := Render(dir)
	require.NoError(t, err)
	require.NotEmpty(t, objs)
	return objs
}

// agentServiceAccount is the namespace and name the rendered DaemonSet's
// pods run as.
func agentServiceAccount(t *testing.T, objs []*unstructured.Unstructured) (string, string) {
	t.Helper()
	ds := Find(objs, "DaemonSet", agentName)
	require.NotNil(t, ds, "no DaemonSet %s", agentName)
	sa, _, err := unstructured.NestedString(ds.Object, "spec", "template", "spec", "serviceAccountName")
	require.NoError(t, err)
	require.NotEmpty(t, sa)
	return ds.GetNamespace(), sa
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}
