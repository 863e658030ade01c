package k8senrichprocessor

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/cgroupv2"
	"github.com/yairfalse/tapio/internal/testkit"
	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/cgroups"
	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/kubecache"
)

// hostProcess starts a real process that lives until the test ends and
// returns the keys a kernel event of it carries: its pid, its cgroup v2
// id (the inode of its directory under v2root, 1 at the root) and its
// mount namespace.
func hostProcess(t *testing.T, v2root string) keys {
	t.Helper()
	cmd := exec.Command("sleep", "300")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return kernelKeys(t, v2root, cmd.Process.Pid)
}

func kernelKeys(t *testing.T, v2root string, pid int) keys {
	t.Helper()
	st, err := os.Stat(filepath.Join(v2root, testkit.CgroupV2Path(t, pid)))
	require.NoError(t, err)
	ns, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/mnt")
	require.NoError(t, err)
	mnt, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(ns, "mnt:["), "]"), 10, 64)
	require.NoError(t, err)
	return keys{pid: int64(pid), cgroupID: int64(st.Sys().(*syscall.Stat_t).Ino), mntNS: mnt}
}

// The load's events come from host processes, each exec a new pid. Their
// cgroup id says nothing on a hybrid host (the v2 root's, 1) and is a
// known host cgroup after one walk on a v2 host; either way the stream
// must not read /proc once per event. A process moved into a brand-new
// pod cgroup, still in the host's mount namespace as runc leaves it, is
// resolved at its first event after the move, though its pid was cached
// as the host's.
func TestHostStreamReadsProcOnceWhileANewPodResolvesAtOnce(t *testing.T) {
	v2 := cgroupv2.Find()
	require.NotEmpty(t, v2, "no cgroup v2 mount on this host")
	podRoot := cgroupRoot(t)
	r := resolver{
		cache: kubecache.New("node-a", time.Minute),
		ids:   cgroups.NewIDs(v2, 0),
		pids:  cgroups.NewPIDs("/proc", time.Minute),
	}
	now := time.Now()

	var last keys
	for range 20 {
		k := hostProcess(t, v2)
		// exec (pid, cgroup, namespace), then a connection or exit (no
		// namespace).
		_, _ = r.cgroup(&k, now)
		exit := keys{pid: k.pid, cgroupID: k.cgroupID}
		e, _ := r.cgroup(&exit, now)
		assert.False(t, e.InPod)
		last = k
	}
	assert.LessOrEqual(t, r.pids.Reads(), int64(1), "the host's events read /proc once, not once per pid")

	dir := filepath.Join(podRoot, "kubepods.slice", "kubepods-besteffort.slice",
		"kubepods-besteffort-pod"+strings.ReplaceAll(movedPodUID, "-", "_")+".slice", "cri-containerd-"+movedContainerID+".scope")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.FormatInt(last.pid, 10)), 0))
	moved := kernelKeys(t, v2, int(last.pid))
	require.NotEqual(t, last.cgroupID, moved.cgroupID)
	require.Equal(t, last.mntNS, moved.mntNS)
	e, ok := r.cgroup(&moved, now)
	require.True(t, ok)
	assert.True(t, e.InPod)
	assert.Equal(t, movedContainerID, e.Ref.ContainerID)
	assert.Equal(t, movedPodUID, e.Ref.PodUID)
}

const (
	movedPodUID      = "5b0c3a52-93e1-4b7e-8f61-2d7c9a4e0f13"
	movedContainerID = "9e2f4c1a7b3d5e6f9e2f4c1a7b3d5e6f9e2f4c1a7b3d5e6f9e2f4c1a7b3d5e6f"
)
