package loadgen

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The kubelet's conversions, from its documented values: a core is 1024
// shares and weight 39, 100m is 102 shares and weight 4, and nothing goes
// below the kernel's minimum of 2 shares (weight 1).
func TestCPUSharesAndWeightAreTheKubelets(t *testing.T) {
	for _, c := range []struct {
		milli          int64
		shares, weight uint64
	}{{1000, 1024, 39}, {100, 102, 4}, {250, 256, 10}, {1, 2, 1}, {0, 2, 1}, {-5, 2, 1}, {2000, 2048, 79}} {
		assert.Equal(t, c.shares, CPUShares(c.milli), "shares of %dm", c.milli)
		assert.Equal(t, c.weight, CPUWeight(CPUShares(c.milli)), "weight of %dm", c.milli)
	}
	assert.Equal(t, uint64(10000), CPUWeight(1<<20), "weight is capped at the kernel's maximum")
}

// TestCPUCgroupSetsRequestAndLimit creates the cgroup in the real
// hierarchy, checks what the kernel holds, moves a process in and out,
// and reads the throttling counter.
func TestCPUCgroupSetsRequestAndLimit(t *testing.T) {
	needRoot(t)
	cg, err := NewCPUCgroup(250, 500)
	require.NoError(t, err)
	defer func() { require.NoError(t, cg.Remove()) }()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(cg.Dir, name))
		require.NoError(t, err)
		return strings.TrimSpace(string(b))
	}
	if cg.v1 {
		assert.Equal(t, "256", read("cpu.shares"))
		assert.Equal(t, "50000", read("cpu.cfs_quota_us"))
		assert.Equal(t, "100000", read("cpu.cfs_period_us"))
	} else {
		assert.Equal(t, "10", read("cpu.weight"))
		assert.Equal(t, "50000 100000", read("cpu.max"))
	}

	sleep := exec.Command("sleep", "30")
	require.NoError(t, sleep.Start())
	defer func() { _ = sleep.Process.Kill(); _ = sleep.Wait() }()
	require.NoError(t, cg.Join(sleep.Process.Pid))
	assert.Contains(t, read("cgroup.procs"), strconv.Itoa(sleep.Process.Pid))
	require.NoError(t, cg.Leave(sleep.Process.Pid))
	assert.NotContains(t, read("cgroup.procs"), strconv.Itoa(sleep.Process.Pid))

	throttled, err := cg.ThrottledTime()
	require.NoError(t, err)
	assert.Zero(t, throttled, "nothing ran in the cgroup")
}

// Without a limit the cgroup has no quota, as a pod without a CPU limit.
func TestCPUCgroupWithoutLimitIsUnbounded(t *testing.T) {
	needRoot(t)
	cg, err := NewCPUCgroup(100, 0)
	require.NoError(t, err)
	defer func() { require.NoError(t, cg.Remove()) }()
	name, want := "cpu.max", "max 100000"
	if cg.v1 {
		name, want = "cpu.cfs_quota_us", "-1"
	}
	got, err := os.ReadFile(filepath.Join(cg.Dir, name))
	require.NoError(t, err)
	assert.Equal(t, want, strings.TrimSpace(string(got)))
}

// A limited cgroup running a busy loop is throttled, and the counter
// shows it: at 10% of a core a spinning process is held back 90 ms of
// every 100 ms period.
func TestCPUCgroupThrottlingIsCounted(t *testing.T) {
	needRoot(t)
	cg, err := NewCPUCgroup(100, 100)
	require.NoError(t, err)
	defer func() { require.NoError(t, cg.Remove()) }()
	spin := exec.Command("sh", "-c", "while :; do :; done")
	require.NoError(t, spin.Start())
	defer func() { _ = spin.Process.Kill(); _ = spin.Wait() }()
	require.NoError(t, cg.Join(spin.Process.Pid))
	require.Eventually(t, func() bool {
		throttled, err := cg.ThrottledTime()
		require.NoError(t, err)
		return throttled > 100*time.Millisecond
	}, 10*time.Second, 20*time.Millisecond, "a spinning process limited to 100m was not throttled")
	_ = spin.Process.Kill()
	_ = spin.Wait()
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("creating cgroups needs root: run the tests as root (make test does)")
	}
}
