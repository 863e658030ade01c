package cgroups

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/yairfalse/tapio/internal/cgroupid"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	uid = "8d1e1f4c-7a52-4a89-9d1c-3c3c8c6b5a10"
	cid = "3f4c2a9e1b7d3f4c2a9e1b7d3f4c2a9e1b7d3f4c2a9e1b7d3f4c2a9e1b7d0a1b"
)

func inode(t *testing.T, path string) uint64 {
	st, err := os.Stat(path)
	require.NoError(t, err)
	return st.Sys().(*syscall.Stat_t).Ino
}

// The walk only needs directories and their inodes, so a plain directory
// tree stands in for the hierarchy here; the processor's tests walk a real
// cgroup v2 subtree.
func TestIDsWalkOnMiss(t *testing.T) {
	root := t.TempDir()
	ids := NewIDs(root, 0)
	pod := filepath.Join(root, "kubepods", "burstable", "pod"+uid)
	require.NoError(t, os.MkdirAll(filepath.Join(pod, cid), 0o755))
	svc := filepath.Join(root, "system.slice", "kubelet.service")
	require.NoError(t, os.MkdirAll(svc, 0o755))

	e, ok := ids.Resolve(inode(t, filepath.Join(pod, cid)))
	require.True(t, ok)
	assert.Equal(t, Entry{Path: "/kubepods/burstable/pod" + uid + "/" + cid, Ref: cgroupid.Ref{PodUID: uid, ContainerID: cid}, InPod: true}, e)

	e, ok = ids.Lookup(inode(t, svc))
	require.True(t, ok, "one walk learns every cgroup")
	assert.False(t, e.InPod)

	// A cgroup made after the last walk is found by the next one.
	late := filepath.Join(pod, "late")
	require.NoError(t, os.Mkdir(late, 0o755))
	_, ok = ids.Resolve(inode(t, late))
	assert.True(t, ok)

	_, ok = ids.Resolve(1 << 62)
	assert.False(t, ok)
}

func TestIDsWalkIsRateLimited(t *testing.T) {
	root := t.TempDir()
	ids := NewIDs(root, time.Hour)
	_, ok := ids.Resolve(1 << 62) // first walk
	assert.False(t, ok)
	dir := filepath.Join(root, "pod"+uid)
	require.NoError(t, os.Mkdir(dir, 0o755))
	_, ok = ids.Resolve(inode(t, dir))
	assert.False(t, ok, "no second walk within minWalk")
	ids.Add(inode(t, dir), "/pod"+uid)
	e, ok := ids.Lookup(inode(t, dir))
	require.True(t, ok)
	assert.Equal(t, uid, e.Ref.PodUID)
}

func TestPIDsReadProc(t *testing.T) {
	proc := t.TempDir()
	writeProcCgroup(t, proc, 42, "/kubepods/pod"+uid+"/"+cid)
	writeProcCgroup(t, proc, 7, "/system.slice/sshd.service")
	pids := NewPIDs(proc, time.Minute)
	now := time.Now()

	e, ok := pids.Resolve(42, Seen{}, now)
	require.True(t, ok)
	assert.Equal(t, cgroupid.Ref{PodUID: uid, ContainerID: cid}, e.Ref)

	e, ok = pids.Resolve(7, Seen{}, now)
	require.True(t, ok)
	assert.False(t, e.InPod)

	_, ok = pids.Resolve(99, Seen{}, now)
	assert.False(t, ok, "gone")
	_, ok = pids.Resolve(-1, Seen{}, now)
	assert.False(t, ok)

	// Cached within the ttl, read again after it (pids are reused).
	require.NoError(t, os.WriteFile(filepath.Join(proc, "42", "cgroup"), []byte("0::/\n"), 0o644))
	e, _ = pids.Resolve(42, Seen{}, now.Add(time.Second))
	assert.True(t, e.InPod)
	e, _ = pids.Resolve(42, Seen{}, now.Add(2*time.Minute))
	assert.False(t, e.InPod)
}

// countReads makes p count what it reads through an injected reader.
// writeProcCgroup makes <proc>/<pid>/cgroup say the process is in the v2
// cgroup path, as the kernel writes it.
func writeProcCgroup(t *testing.T, proc string, pid int, path string) {
	t.Helper()
	dir := filepath.Join(proc, strconv.Itoa(pid))
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cgroup"), []byte("0::"+path+"\n"), 0o644))
}

func countReads(p *PIDs) *int {
	n := 0
	read := p.read
	p.read = func(path string) ([]byte, error) {
		n++
		return read(path)
	}
	return &n
}

// A cached read answers only events that show the process as the read
// saw it: another cgroup id or mount namespace means it moved (runc starts
// a container's process in its parent's cgroup) or the pid is another
// process's now. A gone pid is remembered too: an exit's events would
// otherwise fail to read it once each.
func TestPIDsRereadWhenTheProcessShowsOtherwise(t *testing.T) {
	proc := t.TempDir()
	writeProcCgroup(t, proc, 42, "/system.slice/containerd.service")
	pids := NewPIDs(proc, time.Minute)
	reads := countReads(pids)
	now := time.Now()

	e, ok := pids.Resolve(42, Seen{CgroupID: 5, MntNS: 7}, now)
	require.True(t, ok)
	assert.False(t, e.InPod)
	_, _ = pids.Resolve(42, Seen{CgroupID: 5}, now)
	_, _ = pids.Resolve(42, Seen{}, now)
	assert.Equal(t, 1, *reads, "same process, as far as the events show")

	writeProcCgroup(t, proc, 42, "/kubepods/pod"+uid+"/"+cid)
	e, _ = pids.Resolve(42, Seen{CgroupID: 6, MntNS: 7}, now)
	assert.True(t, e.InPod, "moved: a new cgroup id reads again")
	assert.Equal(t, 2, *reads)
	e, _ = pids.Resolve(42, Seen{CgroupID: 6, MntNS: 8}, now)
	assert.True(t, e.InPod)
	assert.Equal(t, 3, *reads, "a new mount namespace reads again")

	for range 3 {
		_, ok = pids.Resolve(99, Seen{CgroupID: 5}, now)
		assert.False(t, ok)
	}
	assert.Equal(t, 4, *reads, "a gone pid is read once per ttl")
}

// Processes in the collector's own mount namespace (on a host install,
// the host's) are judged outside any pod without a read once one read
// found one of them outside; other namespaces never are, and a read that
// finds a pod process in the namespace withdraws the verdict.
func TestPIDsOutsidePodsTrustsOnlyLongLivedNamespaces(t *testing.T) {
	self := mountNS("/proc/self/ns/mnt")
	require.NotZero(t, self, "cannot read /proc/self/ns/mnt")
	proc := t.TempDir()
	writeProcCgroup(t, proc, 42, "/")
	pids := NewPIDs(proc, time.Minute)
	reads := countReads(pids)
	now := time.Now()
	host := Seen{CgroupID: 1, MntNS: self}

	assert.False(t, pids.OutsidePods(43, host, now), "no read has judged the namespace yet")
	_, ok := pids.Resolve(42, host, now)
	require.True(t, ok)
	assert.True(t, pids.OutsidePods(43, host, now))
	e, ok := pids.Resolve(43, Seen{CgroupID: 1}, now)
	assert.True(t, ok && !e.InPod, "the verdict cached pid 43 for its later events")
	assert.False(t, pids.OutsidePods(44, host, now.Add(2*time.Minute)), "the verdict expires")
	assert.Equal(t, 1, *reads)

	other := Seen{CgroupID: 1, MntNS: self + 1}
	_, _ = pids.Resolve(42, other, now)
	assert.False(t, pids.OutsidePods(45, other, now), "a namespace number that may be reused is never trusted")

	writeProcCgroup(t, proc, 42, "/kubepods/pod"+uid+"/"+cid)
	e, _ = pids.Resolve(42, Seen{CgroupID: 9, MntNS: self}, now)
	assert.True(t, e.InPod)
	assert.False(t, pids.OutsidePods(46, host, now), "a pod process in the namespace withdraws the verdict")
}
