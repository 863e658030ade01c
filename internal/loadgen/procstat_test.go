package loadgen

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
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

// TestReadUsageCountsMajorFaults reads a file through a mapping after
// dropping its pages from the page cache, so each touch must go to disk.
func TestReadUsageCountsMajorFaults(t *testing.T) {
	path := filepath.Join(diskDir(t), "pages")
	require.NoError(t, os.WriteFile(path, make([]byte, 64*os.Getpagesize()), 0o600))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, f.Sync())
	require.NoError(t, unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED))
	m, err := unix.Mmap(int(f.Fd()), 0, 64*os.Getpagesize(), unix.PROT_READ, unix.MAP_SHARED)
	require.NoError(t, err)
	defer func() { _ = unix.Munmap(m) }()
	require.NoError(t, unix.Madvise(m, unix.MADV_RANDOM))

	before, err := ReadUsage(os.Getpid())
	require.NoError(t, err)
	sum := 0
	for i := 0; i < len(m); i += os.Getpagesize() {
		sum += int(m[i])
	}
	after, err := ReadUsage(os.Getpid())
	require.NoError(t, err)
	assert.Zero(t, sum)
	assert.Greater(t, after.MajorFaults, before.MajorFaults)

	// Fresh anonymous memory faults in without reading anything: 1,024
	// minor faults, which must not count.
	anon, err := unix.Mmap(-1, 0, 1024*os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	require.NoError(t, err)
	defer func() { _ = unix.Munmap(anon) }()
	for i := 0; i < len(anon); i += os.Getpagesize() {
		anon[i] = 1
	}
	last, err := ReadUsage(os.Getpid())
	require.NoError(t, err)
	assert.Less(t, last.MajorFaults-after.MajorFaults, uint64(100))
}

// diskDir is a temporary folder whose pages can be dropped and read back
// from a disk: the test's temporary folder, or the package's own folder
// when the former is memory-backed (tmpfs pages never leave memory).
func diskDir(t *testing.T) string {
	t.Helper()
	for _, dir := range []string{t.TempDir(), "."} {
		var st unix.Statfs_t
		require.NoError(t, unix.Statfs(dir, &st))
		if st.Type == unix.TMPFS_MAGIC || st.Type == unix.RAMFS_MAGIC {
			continue
		}
		if dir == "." {
			d, err := os.MkdirTemp(dir, "majfault-")
			require.NoError(t, err)
			t.Cleanup(func() { _ = os.RemoveAll(d) })
			return d
		}
		return dir
	}
	t.Fatal("neither the temporary folder nor the package's folder is on a disk: major faults cannot be caused")
	return ""
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
	tree, self, err := ReadTreeUsage(os.Getpid())
	require.NoError(t, err)
	// Peaks only grow, so the later sum covers both earlier peaks.
	assert.GreaterOrEqual(t, tree.PeakRSS, own.PeakRSS+child.PeakRSS)
	assert.GreaterOrEqual(t, tree.CPU, own.CPU+child.CPU)
	// The process's own part is read with the tree, not summed into it.
	assert.GreaterOrEqual(t, self.PeakRSS, own.PeakRSS)
	assert.Less(t, self.PeakRSS, tree.PeakRSS)
}
