package systemdreceiver

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/extensiontest"

	"github.com/yairfalse/tapio/internal/systemdtest"
)

// storageHost offers extensions to the receiver as the collector does.
type storageHost struct {
	component.Host
	extensions map[component.ID]component.Component
}

func (h storageHost) GetExtensions() map[component.ID]component.Component { return h.extensions }

// startFileStorage runs contrib's real file_storage extension on a
// temporary folder, as an agent would on a hostPath.
func startFileStorage(t *testing.T) (component.Host, component.ID) {
	t.Helper()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = t.TempDir()
	cfg.Compaction.Directory = cfg.Directory
	ext, err := f.Create(t.Context(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	host := componenttest.NewNopHost()
	require.NoError(t, ext.Start(t.Context(), host))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	id := component.NewID(f.Type())
	return storageHost{Host: host, extensions: map[component.ID]component.Component{id: ext}}, id
}

// logUnits runs one short unit per n in [from, to), each writing "line-n",
// and waits for each to finish.
func logUnits(t *testing.T, m *systemdtest.Machine, prefix string, from, to int) {
	t.Helper()
	for n := from; n < to; n++ {
		m.MustExec(t, "systemd-run", "--wait", "--quiet", fmt.Sprintf("--unit=%s-%d", prefix, n),
			"/bin/sh", "-c", fmt.Sprintf("echo line-%d", n))
	}
}

func lineSet(from, to int) []string {
	var out []string
	for n := from; n < to; n++ {
		out = append(out, "line-"+strconv.Itoa(n))
	}
	return out
}

// The collector stops, units log while it is down, and a new collector
// with the same file_storage resumes after the saved cursor: every line
// arrives once, none twice, although start_at is end.
func TestJournalResumesAcrossRestart(t *testing.T) {
	m := systemdtest.Boot(t)
	host, storageID := startFileStorage(t)
	// A glob: the journal is filtered here, not by journalctl.
	cfg := configFor(m, "tapio-log-*")
	cfg.StorageID = &storageID

	first := new(consumertest.LogsSink)
	r, _ := run(t, cfg, first, host)
	// Wait until journalctl follows: units run before that are, with
	// start_at end, rightly not read.
	waitFollowing(t, m, first, "tapio-log")
	logUnits(t, m, "tapio-log", 0, 3)
	require.Eventually(t, func() bool {
		return len(messages(entries(t, first, "tapio-log-"), "line-")) == 3
	}, waitFor, tick)
	require.NoError(t, r.Shutdown(context.Background()))

	logUnits(t, m, "tapio-log", 3, 6)

	second := new(consumertest.LogsSink)
	run(t, cfg, second, host)
	logUnits(t, m, "tapio-log", 6, 7)
	require.Eventually(t, func() bool {
		return len(messages(entries(t, second, "tapio-log-"), "line-6")) == 1
	}, waitFor, tick)
	assert.Equal(t, lineSet(0, 3), messages(entries(t, first, "tapio-log-"), "line-"))
	assert.Equal(t, lineSet(3, 7), messages(entries(t, second, "tapio-log-"), "line-"),
		"no entry twice, none missing")
}

// journalctl killed under the receiver is started again after the last
// entry read: nothing is lost or repeated, and the restart is counted.
func TestKilledJournalctlIsRestarted(t *testing.T) {
	m := systemdtest.Boot(t)
	sink := new(consumertest.LogsSink)
	_, tt := run(t, configFor(m, "tapio-k-*"), sink, nil)
	waitFollowing(t, m, sink, "tapio-k")

	logUnits(t, m, "tapio-k", 0, 2)
	require.Eventually(t, func() bool { return len(messages(entries(t, sink, "tapio-k-"), "line-")) == 2 }, waitFor, tick)

	pids := journalctls(t)
	require.Len(t, pids, 1, "one journalctl follows the journal")
	require.NoError(t, syscall.Kill(pids[0], syscall.SIGKILL))
	require.Eventually(t, func() bool {
		return counter(tt, "otelcol.tapio_systemd.journal.restarts") == 1
	}, waitFor, tick)

	logUnits(t, m, "tapio-k", 2, 4)
	require.Eventually(t, func() bool { return len(messages(entries(t, sink, "tapio-k-"), "line-")) >= 4 }, waitFor, tick)
	assert.Equal(t, lineSet(0, 4), messages(entries(t, sink, "tapio-k-"), "line-"))
}

// A missing journalctl is retried with backoff and counted; unit states
// still flow.
func TestMissingJournalctlIsRetried(t *testing.T) {
	m := systemdtest.Boot(t)
	cfg := configFor(m, "tapio-nojournal")
	cfg.Journal.JournalctlPath = "/nonexistent/journalctl"
	sink := new(consumertest.LogsSink)
	_, tt := run(t, cfg, sink, nil)

	require.Eventually(t, func() bool {
		return counter(tt, "otelcol.tapio_systemd.journal.restarts") >= 2
	}, waitFor, tick)
	m.MustExec(t, "systemd-run", "--unit=tapio-nojournal", "true")
	require.Eventually(t, func() bool { return len(states(t, sink, "tapio-nojournal.service")) > 0 }, waitFor, tick)
}

// waitFollowing runs marker units named prefix-marker-N until the
// receiver reads one, so journalctl is known to follow before the test's
// own units run.
func waitFollowing(t *testing.T, m *systemdtest.Machine, sink *consumertest.LogsSink, prefix string) {
	t.Helper()
	n := 0
	require.Eventually(t, func() bool {
		if len(entries(t, sink, prefix+"-marker-")) > 0 {
			return true
		}
		n++
		m.MustExec(t, "systemd-run", "--wait", "--quiet", fmt.Sprintf("--unit=%s-marker-%d", prefix, n), "/bin/sh", "-c", "echo marker")
		return false
	}, waitFor, tick)
}

// journalctls lists this test binary's journalctl children.
func journalctls(t *testing.T) []int {
	var out []int
	tasks, err := os.ReadDir("/proc/self/task")
	require.NoError(t, err)
	for _, task := range tasks {
		data, _ := os.ReadFile("/proc/self/task/" + task.Name() + "/children")
		for _, f := range strings.Fields(string(data)) {
			pid, _ := strconv.Atoi(f)
			if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); strings.TrimSpace(string(comm)) == "journalctl" {
				out = append(out, pid)
			}
		}
	}
	return out
}
