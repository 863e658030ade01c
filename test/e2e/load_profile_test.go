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

	"github.com/yairfalse/tapio/internal/loadgen"
)

var loadProfile = flag.String("load.profile", "", "folder where BenchmarkAgentLoad writes the collector's CPU profile over each load and its heap profile after it (pprof extension); empty: a temporary folder when -load.peers is on, else no profiles")

// profileCPU starts a CPU profile of the collector lasting the load, and
// returns what waits for it, writes the heap profile beside it and logs
// (over a load, reports) the CPU each component took, per record or line
// it handled. The profiles are of the built binary under the benchmark's
// load, which is what says where the agent's CPU per event goes, and with
// peers on the only way to tell them from ours: they share the process.
// The profiler's own cost (SIGPROF at 100 Hz) is in the run's cpu%.
func profileCPU(b *testing.B, r *run, name string, d time.Duration) (finish func()) {
	b.Helper()
	if r.cfg.PprofPort == 0 {
		return func() {}
	}
	dir := *loadProfile
	if dir == "" {
		dir = b.TempDir()
	}
	require.NoError(b, os.MkdirAll(dir, 0o755))
	base := fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/", r.cfg.PprofPort)
	cpuPath := filepath.Join(dir, "cpu-"+name+".pprof")
	// The counters bracket the profile, so the records each part handled
	// are those of the CPU it is charged with.
	m0, err := loadgen.Scrape(b.Context(), r.cfg.MetricsURL())
	require.NoError(b, err)
	secs := max(int(d/time.Second), 1)
	done := make(chan error, 1)
	go func() {
		done <- fetchProfile(b.Context(), fmt.Sprintf("%sprofile?seconds=%d", base, secs), cpuPath)
	}()
	return func() {
		require.NoError(b, <-done)
		m1, err := loadgen.Scrape(b.Context(), r.cfg.MetricsURL())
		require.NoError(b, err)
		// gc=1: what is held after the load, not what the last cycle left.
		require.NoError(b, fetchProfile(b.Context(), base+"heap?gc=1", filepath.Join(dir, "heap-"+name+".pprof")))
		require.NoError(b, fetchProfile(b.Context(), base+"allocs", filepath.Join(dir, "allocs-"+name+".pprof")))
		if *loadProfile != "" {
			b.Logf("profiles of %s in %s", name, dir)
		}
		reportAttribution(b, name, cpuPath, handledBetween(m0, m1), name != "idle")
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
