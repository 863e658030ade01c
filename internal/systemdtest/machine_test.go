package systemdtest

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// A booted container answers on its own bus and journal, runs commands
// inside, and leaves nothing behind once stopped.
func TestBootExecStop(t *testing.T) {
	start := time.Now()
	m := Boot(t)
	t.Logf("booted %s (init pid %d) in %s", m.Name, m.PID, time.Since(start).Round(time.Millisecond))

	assert.True(t, strings.HasPrefix(m.Name, "tapio-"))
	assert.FileExists(t, strings.TrimPrefix(m.BusAddress, "unix:path="))
	assert.DirExists(t, m.JournalDir)
	host := strings.TrimSpace(m.MustExec(t, "hostname"))
	assert.Equal(t, m.Name, host, "commands run inside the container")

	_, err := m.Exec("false")
	assert.Error(t, err)

	require.NoError(t, m.Stop())
	require.NoError(t, m.Stop(), "stopping twice is fine")
	_, err = os.Stat(m.Root)
	assert.True(t, os.IsNotExist(err), "the container's init is gone")
	assert.NoDirExists(t, "/run/systemd/nspawn/propagate/"+m.Name)
}

// Two containers at once stay apart: tests in different packages boot
// their own in parallel.
func TestTwoMachinesAreIndependent(t *testing.T) {
	a, b := Boot(t), Boot(t)
	assert.NotEqual(t, a.Name, b.Name)
	assert.NotEqual(t, a.BusAddress, b.BusAddress)
	a.MustExec(t, "systemd-run", "--unit=only-in-a", "sleep", "60")
	_, err := b.Exec("systemctl", "is-active", "only-in-a")
	assert.Error(t, err, "a unit started in one container is not in the other")
}
