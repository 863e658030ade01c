package loadgen

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/testkit"
)

// v2Root is where this host mounts cgroup v2: its own mount on a hybrid
// host, the whole of /sys/fs/cgroup on a unified one.
func v2Root(t *testing.T) string {
	t.Helper()
	for _, dir := range []string{"/sys/fs/cgroup/unified", "/sys/fs/cgroup"} {
		if _, err := os.Stat(filepath.Join(dir, "cgroup.controllers")); err == nil {
			return dir
		}
	}
	t.Fatal("no cgroup v2 hierarchy at /sys/fs/cgroup/unified or /sys/fs/cgroup: the exec op starts its children in v2 cgroups")
	return ""
}

func TestExecOpStartsEachRunInTheNextCgroup(t *testing.T) {
	testkit.RequireRoot(t)
	parent, err := os.MkdirTemp(v2Root(t), "tapio-loadgen-test-")
	require.NoError(t, err)
	cgroups := []string{filepath.Join(parent, "a"), filepath.Join(parent, "b")}
	for _, cg := range cgroups {
		require.NoError(t, os.Mkdir(cg, 0o755))
	}
	t.Cleanup(func() {
		// The children have exited, but the kernel frees a cgroup's last
		// task a moment after its parent reaped it.
		for _, d := range append(cgroups, parent) {
			assert.Eventually(t, func() bool {
				err := os.Remove(d)
				return err == nil || errors.Is(err, os.ErrNotExist)
			}, 5*time.Second, 10*time.Millisecond, "remove %s", d)
		}
	})

	// A shell in place of true(1), so each run says where it ran.
	out := filepath.Join(t.TempDir(), "cgroups")
	op, path, closeFn, err := execOp("/bin/sh", t.TempDir(), []string{"-c", "grep ^0:: /proc/self/cgroup >> " + out}, cgroups)
	require.NoError(t, err)
	defer func() { require.NoError(t, closeFn()) }()
	assert.Equal(t, ExecBinary, filepath.Base(path))
	for seq := range uint64(4) {
		require.NoError(t, op(0, seq))
	}

	got, err := os.ReadFile(out)
	require.NoError(t, err)
	rel := func(cg string) string { return "0::/" + strings.TrimPrefix(cg, v2Root(t)+"/") }
	assert.Equal(t, []string{rel(cgroups[0]), rel(cgroups[1]), rel(cgroups[0]), rel(cgroups[1])},
		strings.Fields(string(got)), "round-robin by sequence number, from the first instruction on")
}

func TestExecOpRejectsAMissingCgroup(t *testing.T) {
	_, _, _, err := ExecOp(t.TempDir(), filepath.Join(t.TempDir(), "no-such-cgroup"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "open cgroup")
}

func TestExecOpWithoutCgroupsRuns(t *testing.T) {
	op, _, closeFn, err := ExecOp(t.TempDir())
	require.NoError(t, err)
	defer func() { require.NoError(t, closeFn()) }()
	require.NoError(t, op(0, 7))
}

func TestTCPServerListensAtAnyLoopbackAddress(t *testing.T) {
	s, err := ListenTCPAt(net.IPv4(127, 0, 0, 2))
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	assert.Equal(t, "127.0.0.2", s.ln.Addr().(*net.TCPAddr).IP.String())
	require.NoError(t, s.ConnectOp()(0, 0))
}
