package loadgen

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadUsageOfThisProcess(t *testing.T) {
	before, err := ReadUsage(os.Getpid())
	require.NoError(t, err)
	// Burn CPU until the kernel's tick-granular counter moves.
	require.Eventually(t, func() bool {
		x := 0
		for i := range 5_000_000 {
			x += i
		}
		after, err := ReadUsage(os.Getpid())
		return err == nil && after.CPU > before.CPU && x > 0
	}, 10*time.Second, time.Millisecond)
	assert.Positive(t, before.RSS)
	assert.GreaterOrEqual(t, before.PeakRSS, before.RSS)
	// VmRSS is RssAnon + RssFile + RssShmem.
	assert.Positive(t, before.RSSAnon)
	assert.Positive(t, before.RSSFile)
	assert.LessOrEqual(t, before.RSSAnon+before.RSSFile, before.RSS)
}

func TestReadUsageOfAMissingProcess(t *testing.T) {
	_, err := ReadUsage(1 << 30)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestCPUPercent(t *testing.T) {
	a, b := Usage{CPU: time.Second}, Usage{CPU: 1500 * time.Millisecond}
	assert.InDelta(t, 25, CPUPercent(a, b, 2*time.Second), 1e-9)
	assert.Zero(t, CPUPercent(a, b, 0))
}

func TestReadTreeUsageAddsChildren(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	require.Contains(t, descendants(os.Getpid()), cmd.Process.Pid)
	own, err := ReadUsage(os.Getpid())
	require.NoError(t, err)
	child, err := ReadUsage(cmd.Process.Pid)
	require.NoError(t, err)
	tree, err := ReadTreeUsage(os.Getpid())
	require.NoError(t, err)
	// Peaks only grow, so the later sum covers both earlier peaks.
	assert.GreaterOrEqual(t, tree.PeakRSS, own.PeakRSS+child.PeakRSS)
	assert.GreaterOrEqual(t, tree.CPU, own.CPU+child.CPU)
}
