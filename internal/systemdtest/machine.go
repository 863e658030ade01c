package systemdtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/yairfalse/tapio/internal/testkit"
)

// Timeouts for the container's life cycle. A boot takes about a second and
// a clean power-off about two; the margins absorb a loaded CI machine.
const (
	bootTimeout = 60 * time.Second
	stopTimeout = 10 * time.Second
	pollEvery   = 20 * time.Millisecond
)

// Machine is one booted container. Its fields are fixed once Boot returns.
type Machine struct {
	// Name is the unique --machine name, also the container's host name.
	Name string
	// PID is the container's init (its systemd) as seen from the host.
	PID int
	// BusAddress is the container's system bus as a D-Bus address.
	BusAddress string
	// Root is the container's root seen from the host, for journalctl --root.
	Root string
	// JournalDir holds the container journald's <machine-id>/ folder, for
	// journalctl --directory.
	JournalDir string

	cmd     *exec.Cmd
	exited  chan struct{}
	output  *testkit.SyncBuffer
	stopped sync.Once
	stopErr error
}

// Boot starts a container and waits until its systemd has finished booting
// and its bus answers. The container is stopped when the test ends.
//
// It fails the test without root or without systemd-nspawn (CI installs
// the systemd-container package); it skips, saying why, only on a machine
// that cannot run nspawn at all (no systemd to boot, namespaces refused).
func Boot(tb testing.TB) *Machine {
	tb.Helper()
	testkit.RequireRoot(tb)
	nspawn, err := exec.LookPath("systemd-nspawn")
	if err != nil {
		tb.Fatal("systemd-nspawn is missing: install the systemd-container package (apt-get install systemd-container)")
	}
	if _, err := os.Stat("/lib/systemd/systemd"); err != nil {
		tb.Skip("nspawn not possible here: the host has no /lib/systemd/systemd to boot in the container")
	}
	m, err := boot(nspawn)
	if err != nil {
		if m != nil {
			_ = m.Stop()
		}
		if impossible(err) {
			tb.Skipf("nspawn not possible here: %v", err)
		}
		tb.Fatalf("boot systemd in nspawn: %v", err)
	}
	tb.Cleanup(func() {
		if err := m.Stop(); err != nil {
			tb.Errorf("stop container %s: %v", m.Name, err)
		}
	})
	return m
}

func boot(nspawn string) (*Machine, error) {
	name, err := uniqueName()
	if err != nil {
		return nil, err
	}
	out := &testkit.SyncBuffer{}
	// --register=no and --keep-unit keep nspawn off the host's bus: the
	// host need not run systemd or machined. systemd.firstboot=off stops
	// the first-boot wizard from waiting on a console nobody reads.
	cmd := exec.Command(nspawn, "--quiet", "--volatile=yes", "--directory=/", "--boot",
		"--register=no", "--keep-unit", "--console=passive", "--machine="+name,
		"systemd.firstboot=off")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, out, out
	// Its own process group, so a signal meant for the test binary's group
	// does not reach the container, and the group can be killed as one.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", nspawn, err)
	}
	m := &Machine{Name: name, cmd: cmd, exited: make(chan struct{}), output: out}
	go func() {
		_ = cmd.Wait()
		close(m.exited)
	}()
	if err := m.waitBooted(); err != nil {
		return m, err
	}
	return m, nil
}

// Exec runs a command inside the container (all its namespaces) and
// returns its combined output.
func (m *Machine) Exec(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), bootTimeout)
	defer cancel()
	return m.ExecContext(ctx, args...)
}

// ExecContext is Exec with a deadline of the caller's.
func (m *Machine) ExecContext(ctx context.Context, args ...string) (string, error) {
	full := append([]string{"--target", strconv.Itoa(m.PID), "--all", "--"}, args...)
	out, err := exec.CommandContext(ctx, "nsenter", full...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s in %s: %w: %s", strings.Join(args, " "), m.Name, err, bytes.TrimSpace(out))
	}
	return string(out), nil
}

// MustExec is Exec that fails the test on error.
func (m *Machine) MustExec(tb testing.TB, args ...string) string {
	tb.Helper()
	out, err := m.Exec(args...)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// Stop powers the container off and waits for nspawn to exit; it kills the
// container if a clean power-off takes too long. It is safe to call twice.
func (m *Machine) Stop() error {
	m.stopped.Do(func() { m.stopErr = m.stop() })
	return m.stopErr
}

func (m *Machine) stop() error {
	err := m.powerOff()
	// nspawn removes this folder itself unless it was killed; a stale one
	// would only clutter the host, the next name is different anyway.
	_ = os.Remove(filepath.Join("/run/systemd/nspawn/propagate", m.Name))
	return err
}

func (m *Machine) powerOff() error {
	select {
	case <-m.exited:
		return nil
	default:
	}
	// SIGTERM asks nspawn to power the container off cleanly, so journald
	// and dbus exit and no mount or process outlives the test.
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.exited:
		return nil
	case <-time.After(stopTimeout):
	}
	// Killing the container's PID 1 ends its whole pid namespace; nspawn
	// alone may die and leave the container running.
	init := m.PID
	if init == 0 {
		init = childOf(m.cmd.Process.Pid)
	}
	if init > 0 {
		_ = syscall.Kill(init, syscall.SIGKILL)
	}
	_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-m.exited:
		return errors.New("container did not power off in time and was killed")
	case <-time.After(stopTimeout):
		return errors.New("nspawn did not exit after SIGKILL")
	}
}

func uniqueName() (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("machine name: %w", err)
	}
	return "tapio-" + hex.EncodeToString(b[:]), nil
}

// impossible tells a machine that forbids containers (a sandbox without
// the namespace or mount privileges) from a broken harness.
func impossible(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Operation not permitted") || strings.Contains(msg, "Permission denied") ||
		strings.Contains(msg, "not supported")
}
