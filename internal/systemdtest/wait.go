package systemdtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// waitBooted waits until systemd has booted, answers on the system bus
// and its journal has files.
func (m *Machine) waitBooted() error {
	ctx, cancel := context.WithTimeout(context.Background(), bootTimeout)
	defer cancel()
	pid, err := m.waitInit(ctx)
	if err != nil {
		return err
	}
	m.PID = pid
	m.Root = fmt.Sprintf("/proc/%d/root", pid)
	m.BusAddress = "unix:path=" + m.Root + "/run/dbus/system_bus_socket"
	if err := m.waitRunning(ctx); err != nil {
		return err
	}
	if err := m.waitBus(ctx); err != nil {
		return err
	}
	m.JournalDir, err = m.findJournal(ctx)
	return err
}

// waitInit finds the container's systemd: nspawn's child process.
func (m *Machine) waitInit(ctx context.Context) (int, error) {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		// The child is nspawn's own until it execs systemd.
		if pid := childOf(m.cmd.Process.Pid); pid > 0 && comm(pid) == "systemd" {
			return pid, nil
		}
		select {
		case <-m.exited:
			return 0, fmt.Errorf("nspawn exited during boot: %s", strings.TrimSpace(m.output.String()))
		case <-ctx.Done():
			return 0, fmt.Errorf("container init did not start: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// waitRunning waits for the boot to finish. is-system-running --wait
// answers "offline" until PID 1 listens, so it is asked again until then;
// "degraded" (some unit failed) is still a booted system.
func (m *Machine) waitRunning(ctx context.Context) error {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		// Its exit status is non-zero for every state but running; the
		// printed state is what counts.
		state, _ := m.ExecContext(ctx, "systemctl", "is-system-running", "--wait")
		switch state = strings.TrimSpace(state); state {
		case "running", "degraded":
			return nil
		case "maintenance", "stopping":
			return fmt.Errorf("system state %q; nspawn said: %s", state, m.output.String())
		default:
			// offline, initializing, starting, or no bus yet: PID 1 is
			// still coming up.
		}
		select {
		case <-m.exited:
			return fmt.Errorf("nspawn exited during boot: %s", strings.TrimSpace(m.output.String()))
		case <-ctx.Done():
			return fmt.Errorf("systemd did not finish booting: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// waitBus waits until systemd answers on the system bus, as a D-Bus
// client will talk to it, not only over its private socket.
func (m *Machine) waitBus(ctx context.Context) error {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		_, err := m.ExecContext(ctx, "busctl", "--system", "call", "org.freedesktop.systemd1",
			"/org/freedesktop/systemd1", "org.freedesktop.DBus.Peer", "Ping")
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("systemd does not answer on the bus: %w", err)
		case <-tick.C:
		}
	}
}

// findJournal returns the folder journald writes to: /var/log/journal on
// the volatile root, or /run/log/journal when storage is volatile.
func (m *Machine) findJournal(ctx context.Context) (string, error) {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		for _, dir := range []string{"/var/log/journal", "/run/log/journal"} {
			files, _ := filepath.Glob(filepath.Join(m.Root, dir, "*", "*.journal"))
			if len(files) > 0 {
				return filepath.Join(m.Root, dir), nil
			}
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("no journal files under %s: %w", m.Root, ctx.Err())
		case <-tick.C:
		}
	}
}

// childOf returns the first child of pid, or 0.
func childOf(pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(data))
	if len(fields) == 0 {
		return 0
	}
	child, _ := strconv.Atoi(fields[0])
	return child
}

func comm(pid int) string {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(data))
}
