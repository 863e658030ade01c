package cgroups

import (
	"os"
	"path/filepath"
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
	require.NoError(t, os.MkdirAll(filepath.Join(proc, "42"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(proc, "42", "cgroup"), []byte("0::/kubepods/pod"+uid+"/"+cid+"\n"), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(proc, "7"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(proc, "7", "cgroup"), []byte("0::/system.slice/sshd.service\n"), 0o644))
	pids := NewPIDs(proc, time.Minute)
	now := time.Now()

	e, ok := pids.Resolve(42, now)
	require.True(t, ok)
	assert.Equal(t, cgroupid.Ref{PodUID: uid, ContainerID: cid}, e.Ref)

	e, ok = pids.Resolve(7, now)
	require.True(t, ok)
	assert.False(t, e.InPod)

	_, ok = pids.Resolve(99, now)
	assert.False(t, ok, "gone")
	_, ok = pids.Resolve(-1, now)
	assert.False(t, ok)

	// Cached within the ttl, read again after it (pids are reused).
	require.NoError(t, os.WriteFile(filepath.Join(proc, "42", "cgroup"), []byte("0::/\n"), 0o644))
	e, _ = pids.Resolve(42, now.Add(time.Second))
	assert.True(t, e.InPod)
	e, _ = pids.Resolve(42, now.Add(2*time.Minute))
	assert.False(t, e.InPod)
}
