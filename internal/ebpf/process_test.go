package ebpf

import (
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/ebpf/wire"
)

func TestExecAndExit(t *testing.T) {
	p := openProbe(t, configFor(wire.TypeExec, wire.TypeExit))
	c := collect(t, p)

	cmd := exec.Command("/bin/sh", "-c", "exit 3")
	err := cmd.Run()
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr)
	pid := uint32(cmd.Process.Pid)

	raw := c.await(t, wire.TypeExec, "of /bin/sh", func(b []byte) bool {
		e, err := wire.ParseExec(b)
		return err == nil && e.PID == pid
	})
	e, err := wire.ParseExec(raw)
	require.NoError(t, err)
	assert.Equal(t, uint32(os.Getpid()), e.PPID)
	assert.Equal(t, "/bin/sh", e.Filename)
	assert.Equal(t, []string{"/bin/sh", "-c", "exit 3"}, e.Args)
	assert.Equal(t, "sh", e.Comm)
	assert.Zero(t, e.Flags&wire.FlagTruncated)
	assert.NotZero(t, e.PIDNS)
	assert.NotZero(t, e.MntNS)
	assert.NotZero(t, e.CgroupID)

	raw = c.await(t, wire.TypeExit, "of /bin/sh", func(b []byte) bool {
		e, err := wire.ParseExit(b)
		return err == nil && e.PID == pid
	})
	x, err := wire.ParseExit(raw)
	require.NoError(t, err)
	assert.Equal(t, uint32(3), x.Status())
	assert.Zero(t, x.Signal())
	assert.Equal(t, uint32(os.Getpid()), x.PPID)
	assert.Greater(t, x.TsNs, e.TsNs)
}

func TestExecArgvTruncated(t *testing.T) {
	cfg := configFor(wire.TypeExec)
	cfg.ArgvBytes = 9
	p := openProbe(t, cfg)
	c := collect(t, p)

	cmd := exec.Command("/bin/sh", "-c", "exit 0")
	require.NoError(t, cmd.Run())
	pid := uint32(cmd.Process.Pid)

	raw := c.await(t, wire.TypeExec, "of /bin/sh", func(b []byte) bool {
		e, err := wire.ParseExec(b)
		return err == nil && e.PID == pid
	})
	e, err := wire.ParseExec(raw)
	require.NoError(t, err)
	assert.Equal(t, []string{"/bin/sh", "-"}, e.Args)
	assert.NotZero(t, e.Flags&wire.FlagTruncated)
	assert.Len(t, raw, wire.ExecFixedSize+9)
}

// A process in a new pid namespace is a container's; the test's own
// children are the host's and must be skipped.
func TestContainersOnly(t *testing.T) {
	cfg := configFor(wire.TypeExec)
	cfg.ContainersOnly = true
	p := openProbe(t, cfg)
	c := collect(t, p)

	host := exec.Command("/bin/sh", "-c", "exit 0")
	require.NoError(t, host.Run())
	contained := exec.Command("/bin/sh", "-c", "exit 0")
	contained.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
	require.NoError(t, contained.Run(), "root can create a pid namespace; a sandbox that forbids it cannot run this test")
	containedPID := uint32(contained.Process.Pid)

	raw := c.await(t, wire.TypeExec, "from the new pid namespace", func(b []byte) bool {
		e, err := wire.ParseExec(b)
		return err == nil && e.Filename == "/bin/sh" && e.PPID == uint32(os.Getpid())
	})
	e, err := wire.ParseExec(raw)
	require.NoError(t, err)
	// Inside its namespace the child is pid 1; the header carries the pid
	// the host sees.
	assert.Equal(t, containedPID, e.PID)
	assert.NotEqual(t, uint32(0xEFFFFFFC), e.PIDNS)
	assert.Nil(t, c.find(wire.TypeExec, func(b []byte) bool {
		e, err := wire.ParseExec(b)
		return err == nil && e.PID == uint32(host.Process.Pid)
	}), "a host process passed the containers-only filter")
}
