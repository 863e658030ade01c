package systemdreceiver

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/yairfalse/tapio/internal/systemdtest"
	"github.com/yairfalse/tapio/receiver/systemdreceiver/internal/metadatatest"
	"github.com/yairfalse/tapio/receiver/systemdreceiver/internal/unitwatch"
	"go.opentelemetry.io/collector/component/componenttest"
)

// The container's dbus goes away while a watched unit is killed: the
// receiver reconnects once dbus is back, reports the gap with the unit it
// found changed, re-snapshots it, and follows new changes again.
func TestBusRestartIsReportedAsAGap(t *testing.T) {
	m := systemdtest.Boot(t)
	sink := new(consumertest.LogsSink)
	_, tt := run(t, configFor(m, "tapio-gap*"), sink, nil)

	m.MustExec(t, "systemd-run", "--unit=tapio-gap", "sleep", "infinity")
	require.Eventually(t, func() bool {
		ps := states(t, sink, "tapio-gap.service")
		return len(ps) > 0 && ps[len(ps)-1].Properties.ActiveState == "active"
	}, waitFor, tick)

	// systemctl as root talks to PID 1 over its private socket, so it
	// works while the bus is down.
	m.MustExec(t, "systemctl", "stop", "dbus.socket", "dbus.service")
	require.Eventually(t, func() bool {
		return counter(tt, "otelcol.tapio_systemd.bus.reconnects") == 1
	}, waitFor, tick, "the receiver notices the bus is gone")
	m.MustExec(t, "systemctl", "kill", "--signal=KILL", "tapio-gap")
	m.MustExec(t, "systemctl", "start", "dbus.socket", "dbus.service")

	require.Eventually(t, func() bool { return len(losses(t, sink)) > 0 }, waitFor, tick, "a gap record")
	gaps := losses(t, sink)
	require.Len(t, gaps, 1)
	assert.Equal(t, kindUnitState, gaps[0].Kind)
	assert.Equal(t, lossBusDisconnected, gaps[0].Reason)
	assert.EqualValues(t, 1, gaps[0].Count, "tapio-gap changed while unobserved")
	assert.True(t, gaps[0].Until.After(gaps[0].Since))

	var snap unitwatch.Payload
	for _, p := range states(t, sink, "tapio-gap.service") {
		if p.Properties.ActiveState == "failed" {
			snap = p
		}
	}
	assert.Equal(t, unitwatch.TriggerSnapshot, snap.Trigger, "the change made during the gap comes from the re-snapshot")
	assert.Equal(t, "active", snap.OldActiveState)
	assert.Equal(t, "signal", snap.Properties.Result)
	assert.Contains(t, snap.Changed, "ActiveState")

	// The new subscription works.
	m.MustExec(t, "systemd-run", "--unit=tapio-gap-after", "true")
	require.Eventually(t, func() bool {
		for _, p := range states(t, sink, "tapio-gap-after.service") {
			if p.Trigger == unitwatch.TriggerSignal {
				return true
			}
		}
		return false
	}, waitFor, tick, "signals after the reconnect")
}

// A bus that is not there at start is retried until it appears; the time
// without it is reported as a gap.
func TestBusMissingAtStartIsRetried(t *testing.T) {
	m := systemdtest.Boot(t)
	link := filepath.Join(t.TempDir(), "system_bus_socket")
	cfg := configFor(m, "tapio-late")
	cfg.BusAddress = "unix:path=" + link
	cfg.Journal.Enabled = false

	core, logs := observer.New(zapcore.WarnLevel)
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	set := metadatatest.NewSettings(tt)
	set.Logger = zap.New(core)
	sink := new(consumertest.LogsSink)
	r, err := newSystemdReceiver(set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(t.Context(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, r.Shutdown(context.Background())) })

	require.Eventually(t, func() bool {
		return logs.FilterMessage("systemd bus not reachable; retrying").Len() > 0
	}, waitFor, tick)
	require.NoError(t, os.Symlink(strings.TrimPrefix(m.BusAddress, "unix:path="), link))
	require.Eventually(t, func() bool { return len(losses(t, sink)) == 1 }, waitFor, tick)
	assert.Equal(t, lossBusDisconnected, losses(t, sink)[0].Reason)
}
