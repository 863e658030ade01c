package k8stest

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Test packages start clusters in parallel processes; the lock makes the
// one missing asset get built once while the others wait and reuse it.
func TestEnsureAssetsBuildsOnceUnderConcurrency(t *testing.T) {
	cached, err := EnsureAssets(t.Context(), nil)
	require.NoError(t, err, "prepare the assets with `%s`", PrepareCommand)

	// A fresh folder that has the slow binaries (linked) but lacks the
	// stage file, so the race is over a build that takes a moment.
	dir := t.TempDir()
	fresh := assetsIn(dir)
	for src, dst := range map[string]string{cached.Etcd: fresh.Etcd, cached.APIServer: fresh.APIServer, cached.Kwok: fresh.Kwok} {
		require.NoError(t, os.Symlink(src, dst))
	}
	t.Setenv(AssetsEnv, dir)

	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = EnsureAssets(t.Context(), nil)
		})
	}
	wg.Wait()
	for _, err := range errs {
		assert.NoError(t, err)
	}
	b, err := os.ReadFile(fresh.KwokStages)
	require.NoError(t, err)
	assert.Contains(t, string(b), "name: pod-ready")
	leftovers, _ := filepath.Glob(filepath.Join(dir, "*.tmp"))
	assert.Empty(t, leftovers, "a build leaves no temporary files")
}

func TestAssetsDirHonoursTheOverride(t *testing.T) {
	t.Setenv(AssetsEnv, "/opt/k8s-assets")
	dir, err := AssetsDir()
	require.NoError(t, err)
	assert.Equal(t, "/opt/k8s-assets", dir)

	t.Setenv(AssetsEnv, "")
	t.Setenv("XDG_CACHE_HOME", "/var/cache/ci")
	dir, err = AssetsDir()
	require.NoError(t, err)
	assert.Equal(t, "/var/cache/ci/tapio/k8s-assets/k8s-"+KubernetesVersion+"-etcd-"+EtcdVersion+"-kwok-"+KwokVersion, dir)
}
