package ebpf

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/ringbuf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/ebpf/wire"
	"github.com/yairfalse/tapio/internal/testkit"
)

// The exec program reads the header and identity fields from the task with
// direct loads instead of helpers; these tests pin that the values are the
// helpers' ones.

// shellWithMarker finds the exec of /bin/sh whose script ends with marker
// (a wrapper such as unshare carries the same arguments, under its own name).
func shellWithMarker(t *testing.T, c *collector, marker string) wire.ExecEvent {
	t.Helper()
	raw := c.await(t, wire.TypeExec, marker, func(b []byte) bool {
		e, err := wire.ParseExec(b)
		return err == nil && e.Filename == "/bin/sh" && len(e.Args) > 0 &&
			strings.HasSuffix(e.Args[len(e.Args)-1], marker)
	})
	e, err := wire.ParseExec(raw)
	require.NoError(t, err)
	return e
}

// uid and gid are as bpf_get_current_uid_gid reports them: seen from the
// task's own user namespace.
func TestExecUIDGID(t *testing.T) {
	p := openProbe(t, configFor(wire.TypeExec))
	c := collect(t, p)

	host := exec.Command("/bin/sh", "-c", ": uid-host")
	host.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 1234, Gid: 5678}}
	require.NoError(t, host.Run())
	e := shellWithMarker(t, c, "uid-host")
	assert.Equal(t, uint32(1234), e.UID)
	assert.Equal(t, uint32(5678), e.GID)

	userns := exec.Command("/bin/sh", "-c", ": uid-userns")
	userns.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 1234, Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 5678, Size: 1}},
	}
	require.NoError(t, userns.Run(), "root can create a user namespace; a sandbox that forbids it cannot run this test")
	e = shellWithMarker(t, c, "uid-userns")
	assert.Zero(t, e.UID, "uid 1234 is root inside its user namespace")
	assert.Zero(t, e.GID)
}

// comm is zero-padded after its NUL, as bpf_get_current_comm returns it.
func TestExecCommPadded(t *testing.T) {
	p := openProbe(t, configFor(wire.TypeExec))
	c := collect(t, p)

	cmd := exec.Command("/bin/sh", "-c", ": comm-padded")
	require.NoError(t, cmd.Run())
	pid := uint32(cmd.Process.Pid)
	raw := c.await(t, wire.TypeExec, "of /bin/sh", func(b []byte) bool {
		e, err := wire.ParseExec(b)
		return err == nil && e.PID == pid
	})
	comm := raw[32 : 32+wire.CommLen]
	assert.Equal(t, append([]byte("sh"), make([]byte, wire.CommLen-2)...), comm)
}

// pidNSInum is the inode of the pid namespace a process reports for itself.
func pidNSInum(t *testing.T, out []byte) uint32 {
	t.Helper()
	s := strings.TrimSpace(string(out))
	require.True(t, strings.HasPrefix(s, "pid:["), "readlink printed %q", s)
	n, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(s, "pid:["), "]"), 10, 32)
	require.NoError(t, err)
	return uint32(n)
}

// pidns is the task's active pid namespace at any depth: levels 0 to 3 are
// read with direct loads, deeper ones with probe reads.
func TestExecPIDNamespaceLevels(t *testing.T) {
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare (util-linux) is not installed")
	}
	p := openProbe(t, configFor(wire.TypeExec))
	c := collect(t, p)

	for _, level := range []int{0, 1, 2, 5} {
		t.Run(fmt.Sprintf("level%d", level), func(t *testing.T) {
			marker := fmt.Sprintf("pidns-level-%d", level)
			var args []string
			for range level {
				args = append(args, "unshare", "--pid", "--fork")
			}
			args = append(args, "/bin/sh", "-c", "readlink /proc/self/ns/pid; : "+marker)
			out, err := exec.Command(args[0], args[1:]...).Output()
			require.NoError(t, err)
			want := pidNSInum(t, out)

			e := shellWithMarker(t, c, marker)
			assert.Equal(t, want, e.PIDNS)
			if level == 0 {
				self, err := os.Readlink("/proc/self/ns/pid")
				require.NoError(t, err)
				assert.Equal(t, self, fmt.Sprintf("pid:[%d]", e.PIDNS))
			}
		})
	}
}

// Before 6.5 struct pid ended in numbers[1], not a flexible array: there
// the constant indexes past it are impossible relocations and the program
// must take its probe-read path. Loading against this kernel's BTF with
// that one member changed runs that path on this kernel.
func TestExecPIDNamespaceOldPIDLayout(t *testing.T) {
	testkit.RequireRoot(t)
	if err := CheckSupport(); err != nil {
		t.Skipf("this kernel cannot run tp_btf programs: %v", err)
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare (util-linux) is not installed")
	}
	kernel, err := btf.LoadKernelSpec()
	require.NoError(t, err)
	old := kernel.Copy()
	var pid *btf.Struct
	require.NoError(t, old.TypeByName("pid", &pid))
	last := &pid.Members[len(pid.Members)-1]
	require.Equal(t, "numbers", last.Name)
	numbers := last.Type.(*btf.Array)
	last.Type = &btf.Array{Index: numbers.Index, Type: numbers.Type, Nelems: 1}

	spec, err := loadTapio()
	require.NoError(t, err)
	sub := &ebpf.CollectionSpec{
		Maps:      spec.Maps,
		Programs:  map[string]*ebpf.ProgramSpec{tapioProgTapioExec: spec.Programs[tapioProgTapioExec]},
		Types:     spec.Types,
		ByteOrder: spec.ByteOrder,
	}
	coll, err := ebpf.NewCollectionWithOptions(sub, ebpf.CollectionOptions{
		Programs: ebpf.ProgramOptions{KernelTypes: old},
	})
	require.NoError(t, err)
	defer coll.Close()
	kc := tapioTapioConfig{EnabledTypes: 1 << wire.TypeExec, ArgvBytes: MaxArgvBytes}
	require.NoError(t, coll.Maps[tapioMapSettings].Put(uint32(0), &kc))
	l, err := attachTracepoint(coll.Programs[tapioProgTapioExec], "")
	require.NoError(t, err)
	defer l.Close()
	rd, err := ringbuf.NewReader(coll.Maps[tapioMapEvents])
	require.NoError(t, err)
	defer rd.Close()

	want := map[string]uint32{}
	for _, level := range []int{0, 1} {
		marker := fmt.Sprintf("old-layout-level-%d", level)
		args := []string{"/bin/sh", "-c", "readlink /proc/self/ns/pid; : " + marker}
		if level == 1 {
			args = append([]string{"unshare", "--pid", "--fork"}, args...)
		}
		out, err := exec.Command(args[0], args[1:]...).Output()
		require.NoError(t, err)
		want[marker] = pidNSInum(t, out)
	}
	got := map[string]uint32{}
	rd.SetDeadline(time.Now().Add(10 * time.Second))
	for len(got) < len(want) {
		rec, err := rd.Read()
		require.NoError(t, err, "exec events seen: %v", got)
		e, err := wire.ParseExec(rec.RawSample)
		if err != nil || e.Filename != "/bin/sh" || len(e.Args) == 0 {
			continue
		}
		for marker := range want {
			if strings.HasSuffix(e.Args[len(e.Args)-1], marker) {
				got[marker] = e.PIDNS
			}
		}
	}
	assert.Equal(t, want, got)
}
