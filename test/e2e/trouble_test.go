package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"net"
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
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/yairfalse/tapio/internal/loadgen"
	"github.com/yairfalse/tapio/internal/systemdtest"
)

// The trouble this test causes, each the real thing: the kernel, systemd
// and the API server produce the events, never the test.

// oomKill runs a copy of the test binary in a 16 MiB memory cgroup, and
// in the container cgroup of p, until the kernel's OOM killer ends it, and
// returns its pid.
func oomKill(t *testing.T, p *pod) int {
	t.Helper()
	return runIntoOOMKill(t, filepath.Dir(p.procs))
}

// runIntoOOMKill runs a copy of the test binary in a fresh 16 MiB memory
// cgroup, and in each of the cgroups dirs, until the kernel's OOM killer
// ends it, and returns its pid. Without dirs the copy stays in the
// caller's other cgroups.
func runIntoOOMKill(tb testing.TB, dirs ...string) int {
	tb.Helper()
	dir, err := loadgen.MemoryCgroup(16 << 20)
	require.NoError(tb, err)
	tb.Cleanup(func() {
		// The killed child leaves the cgroup a moment after Wait returns.
		assert.NoError(tb, loadgen.RemoveCgroup(dir, 10*time.Second))
	})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	join := strings.Join(append([]string{dir}, dirs...), string(filepath.ListSeparator))
	cmd.Env = append(os.Environ(), oomCgroupEnv+"="+join)
	err = cmd.Run()
	var exitErr *exec.ExitError
	require.ErrorAs(tb, err, &exitErr, "the helper should have been OOM-killed")
	ws := exitErr.Sys().(syscall.WaitStatus)
	require.True(tb, ws.Signaled() && ws.Signal() == syscall.SIGKILL, "helper ended with %v, not SIGKILL", err)
	return cmd.Process.Pid
}

// crashLoop starts a process in p's container that fails at once, again
// and again, as a container in CrashLoopBackOff would, and returns the
// pids.
func crashLoop(t *testing.T, p *pod, times int, status int) []int {
	t.Helper()
	var pids []int
	for range times {
		// The shell moves itself into the container's cgroup, so its exit
		// is the container's.
		cmd := exec.Command("/bin/sh", "-c", "echo $$ > "+p.procs+" && exit "+strconv.Itoa(status))
		err := cmd.Run()
		var exitErr *exec.ExitError
		require.ErrorAs(t, err, &exitErr)
		require.Equal(t, status, exitErr.ExitCode())
		pids = append(pids, cmd.Process.Pid)
	}
	return pids
}

// failUnit runs a transient unit in the container's systemd that writes a
// line to stderr (so the journal) and exits non-zero, so the unit fails.
func failUnit(t *testing.T, m *systemdtest.Machine, unit, line string) {
	t.Helper()
	// The non-zero exit is the point, so systemd-run --wait reports it.
	out, err := m.Exec("systemd-run", "--wait", "--quiet", "--unit="+unit,
		"/bin/sh", "-c", "echo "+line+" >&2; exit 7")
	require.Error(t, err, "the unit should have failed: %s", out)
	state := m.MustExec(t, "systemctl", "show", "--property=ActiveState", "--value", unit+".service")
	require.Contains(t, state, "failed")
}

// cniErrors appends the lines the reference plugins write when IPAM runs
// out of addresses and when a netconf is broken.
func cniErrors(t *testing.T, dir string) {
	t.Helper()
	lines := `{"cniVersion":"1.0.0","code":11,"msg":"failed to allocate for range 0: no IP addresses available in range set: 10.22.0.1-10.22.0.14"}
{"cniVersion":"1.0.0","code":7,"msg":"failed to load netconf","details":"json: cannot unmarshal string into Go struct field NetConf.mtu of type int"}
`
	f, err := os.OpenFile(filepath.Join(dir, "bridge.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	_, err = f.WriteString(lines)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// nxdomain resolves a name that does not exist through the local
// responder and returns it.
func nxdomain(t *testing.T, server *net.UDPAddr) string {
	t.Helper()
	name := loadgen.NXPrefix + randomHex(t) + ".tapio.test"
	conn, err := net.DialUDP("udp4", nil, server)
	require.NoError(t, err)
	defer conn.Close()
	rcode, err := loadgen.Resolve(conn, 0x3e2e, name, 5*time.Second)
	require.NoError(t, err)
	require.Equal(t, 3, rcode, "NXDOMAIN")
	return name
}

// refusedConnect connects to a loopback port nothing listens on and
// returns the port.
func refusedConnect(t *testing.T) int {
	t.Helper()
	port, err := loadgen.FreePort()
	require.NoError(t, err)
	_, err = net.DialTimeout("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 5*time.Second)
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
	return port
}

// k8sWarning records a Warning Event about a pod, as a kubelet does for a
// container in back-off.
func k8sWarning(t *testing.T, client kubernetes.Interface, pod, reason string) {
	t.Helper()
	now := metav1.NewTime(time.Now())
	_, err := client.CoreV1().Events("default").Create(t.Context(), &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{GenerateName: pod + "."},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: pod, APIVersion: "v1"},
		Reason:         reason,
		Message:        "Back-off restarting failed container app in pod " + pod,
		Type:           corev1.EventTypeWarning,
		Source:         corev1.EventSource{Component: "kubelet", Host: "tapio-e2e-node"},
		FirstTimestamp: now,
		LastTimestamp:  now,
		Count:          1,
	}, metav1.CreateOptions{})
	require.NoError(t, err)
}

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 4)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}
