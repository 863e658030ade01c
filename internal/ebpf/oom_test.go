package ebpf

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
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

	"github.com/yairfalse/tapio/internal/ebpf/wire"
)

const (
	tapioOOMHelperEnv = "TAPIO_TEST_OOM_CGROUP"
	memoryV1Root      = "/sys/fs/cgroup/memory"
	oomLimit          = "16777216"
)

// oomHelper runs in the re-executed test binary: it moves itself into the
// memory cgroup dir and touches memory until the OOM killer ends it.
func oomHelper(dir string) int {
	pid := []byte(strconv.Itoa(os.Getpid()))
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), pid, 0); err != nil {
		os.Stderr.WriteString(err.Error())
		return 2
	}
	var hold [][]byte
	for range 512 {
		chunk := make([]byte, 1<<20)
		for i := 0; i < len(chunk); i += 4096 {
			chunk[i] = 1
		}
		hold = append(hold, chunk)
	}
	// Still alive after 512 MiB under a 16 MiB limit: no OOM kill happened.
	return len(hold) % 3
}

// makeMemcg creates a memory cgroup with a 16 MiB limit (memory and swap)
// and removes it when the test ends: under the v1 memory controller where
// the host has one (hybrid hosts, like CI), else in the v2 hierarchy.
func makeMemcg(t *testing.T) string {
	t.Helper()
	v1 := true
	root := memoryV1Root
	if _, err := os.Stat(filepath.Join(memoryV1Root, "memory.limit_in_bytes")); err != nil {
		v1, root = false, resolveCgroupPath("")
		controllers, err := os.ReadFile(filepath.Join(root, "cgroup.subtree_control"))
		if err != nil || !strings.Contains(string(controllers), "memory") {
			t.Fatalf("no memory cgroup controller: not at %s (v1), nor enabled in %s/cgroup.subtree_control (v2)", memoryV1Root, root)
		}
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	dir := filepath.Join(root, "tapio-test-"+hex.EncodeToString(suffix))
	require.NoError(t, os.Mkdir(dir, 0o755))
	t.Cleanup(func() {
		// The killed child leaves the cgroup a moment after Wait returns.
		assert.Eventually(t, func() bool {
			err := os.Remove(dir)
			return err == nil || errors.Is(err, os.ErrNotExist)
		}, 5*time.Second, 20*time.Millisecond, "remove %s", dir)
	})
	write := func(name, v string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(v), 0))
	}
	if !v1 {
		write("memory.max", oomLimit)
		if _, err := os.Stat(filepath.Join(dir, "memory.swap.max")); err == nil {
			write("memory.swap.max", "0")
		}
		return dir
	}
	write("memory.limit_in_bytes", oomLimit)
	if _, err := os.Stat(filepath.Join(dir, "memory.memsw.limit_in_bytes")); err == nil {
		write("memory.memsw.limit_in_bytes", oomLimit)
	}
	write("memory.swappiness", "0")
	return dir
}

func TestOOMKill(t *testing.T) {
	p := openProbe(t, configFor(wire.TypeOOMKill))
	c := collect(t, p)
	dir := makeMemcg(t)
	var st syscall.Stat_t
	require.NoError(t, syscall.Stat(dir, &st))

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), tapioOOMHelperEnv+"="+dir)
	err := cmd.Run()
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr, "the helper should have been killed")
	ws := exitErr.Sys().(syscall.WaitStatus)
	require.True(t, ws.Signaled(), "helper exited with %v instead of being killed", err)
	require.Equal(t, syscall.SIGKILL, ws.Signal())
	pid := uint32(cmd.Process.Pid)

	raw := c.await(t, wire.TypeOOMKill, "for the helper", func(b []byte) bool {
		e, err := wire.ParseOOMKill(b)
		return err == nil && e.VictimPID == pid
	})
	e, err := wire.ParseOOMKill(raw)
	require.NoError(t, err)
	// The kernfs id of a cgroup directory is its inode number.
	assert.Equal(t, st.Ino, e.MemcgID)
	assert.Equal(t, filepath.Base(os.Args[0])[:min(15, len(filepath.Base(os.Args[0])))], e.VictimComm)
	assert.Equal(t, pid, e.PID, "the helper itself ran into the limit")
	assert.NotZero(t, e.VictimCgroupID)
	assert.NotZero(t, e.TotalVM)
	// Most of 16 MiB is anonymous memory the helper touched.
	assert.Greater(t, e.AnonRSS, uint64(1024), "anon rss pages")
}
