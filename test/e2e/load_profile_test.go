package e2e

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var loadProfile = flag.String("load.profile", "", "folder where BenchmarkAgentLoad writes the collector's CPU profile over each load and its heap profile after it (pprof extension); empty: no profiles")

// profileCPU starts a CPU profile of the collector lasting the load, and
// returns what waits for it and writes the heap profile beside it. The
// profiles are of the built binary under the benchmark's load, which is
// what says where the agent's CPU per event goes.
func profileCPU(b *testing.B, r *run, name string, d time.Duration) (finish func()) {
	b.Helper()
	if *loadProfile == "" {
		return func() {}
	}
	require.NoError(b, os.MkdirAll(*loadProfile, 0o755))
	base := fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/", r.cfg.PprofPort)
	secs := max(int(d/time.Second), 1)
	done := make(chan error, 1)
	go func() {
		done <- fetchProfile(b.Context(), fmt.Sprintf("%sprofile?seconds=%d", base, secs), filepath.Join(*loadProfile, "cpu-"+name+".pprof"))
	}()
	return func() {
		require.NoError(b, <-done)
		require.NoError(b, fetchProfile(b.Context(), base+"heap", filepath.Join(*loadProfile, "heap-"+name+".pprof")))
		require.NoError(b, fetchProfile(b.Context(), base+"allocs", filepath.Join(*loadProfile, "allocs-"+name+".pprof")))
		b.Logf("profiles of %s in %s", name, *loadProfile)
	}
}

func fetchProfile(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("profile %s: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("profile %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile %s: status %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("profile %s: %w", url, err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("profile %s: %w", url, err)
	}
	return f.Close()
}
