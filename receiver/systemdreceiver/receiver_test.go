package systemdreceiver

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/yairfalse/tapio/internal/systemdtest"
	"github.com/yairfalse/tapio/receiver/systemdreceiver/internal/metadata"
	"github.com/yairfalse/tapio/receiver/systemdreceiver/internal/unitwatch"
)

// A transient unit that exits 3 goes activating, active, failed (exit-code,
// status 3), and its own journal lines and systemd's lines about it arrive,
// sharing the run's invocation id.
func TestTransientUnitThatExits3(t *testing.T) {
	m := systemdtest.Boot(t)
	sink := new(consumertest.LogsSink)
	run(t, configFor(m, "tapio-t1"), sink, nil)

	// The unit is activating while ExecStartPre runs: long enough for
	// systemd to report the state before it moves on.
	m.MustExec(t, "systemd-run", "--unit=tapio-t1", "--property=ExecStartPre=/bin/sleep 0.3",
		"/bin/sh", "-c", "echo hello; exit 3")

	var last unitwatch.Payload
	require.Eventually(t, func() bool {
		ps := states(t, sink, "tapio-t1.service")
		if len(ps) == 0 {
			return false
		}
		last = ps[len(ps)-1]
		return last.Properties.ActiveState == "failed"
	}, waitFor, tick)
	ps := states(t, sink, "tapio-t1.service")
	assert.Subset(t, activeStates(ps), []string{"activating", "active", "failed"}, "states seen: %v", activeStates(ps))
	assert.Equal(t, unitwatch.TriggerSignal, last.Trigger)
	assert.Equal(t, "active", last.OldActiveState)
	assert.Equal(t, "failed", last.Properties.SubState)
	assert.Equal(t, "exit-code", last.Properties.Result)
	require.NotNil(t, last.Properties.ExecMainCode)
	require.NotNil(t, last.Properties.ExecMainStatus)
	assert.EqualValues(t, 1, *last.Properties.ExecMainCode, "CLD_EXITED")
	assert.EqualValues(t, 3, *last.Properties.ExecMainStatus)
	assert.Len(t, last.Properties.InvocationID, 32)
	assert.NotZero(t, last.Properties.StateChangeTimestamp)
	assert.Contains(t, last.Changed, "ActiveState")

	var lines []map[string]any
	require.Eventually(t, func() bool {
		lines = entries(t, sink, "tapio-t1.service")
		return len(messages(lines, "hello")) == 1 && len(messages(lines, "tapio-t1.service: Failed with result 'exit-code'")) == 1
	}, waitFor, tick, "journal lines of tapio-t1")
	// journald reads a logging process's metadata from /proc, so a line
	// of a process that has exited already may lack it; systemd's own
	// lines about the unit always name the run.
	withID := 0
	for _, e := range lines {
		id, ok := e["_SYSTEMD_INVOCATION_ID"]
		if !ok {
			id, ok = e["INVOCATION_ID"]
		}
		if ok {
			withID++
			assert.Equal(t, last.Properties.InvocationID, id, "the line belongs to this run: %v", e)
		}
	}
	assert.NotZero(t, withID)

	recs := records(sink, kindUnitState)
	attrs := recs[len(recs)-1].Attributes().AsRaw()
	assert.Equal(t, "systemd", attrs["tapio.source"])
	assert.Equal(t, "1", attrs["tapio.raw.version"])
	assert.Equal(t, last.Time().UnixNano(), recs[len(recs)-1].Timestamp().AsTime().UnixNano(), "the record's time is when the state changed")
}

// A crashing unit with Restart=always restarts again and again: each
// restart raises NRestarts and passes through auto-restart.
func TestRestartCountClimbs(t *testing.T) {
	m := systemdtest.Boot(t)
	sink := new(consumertest.LogsSink)
	run(t, configFor(m, "tapio-crash"), sink, nil)

	m.MustExec(t, "systemd-run", "--unit=tapio-crash", "--property=Restart=always",
		"--property=RestartSec=200ms", "/bin/sh", "-c", "echo crashing; exit 1")

	require.Eventually(t, func() bool {
		for _, p := range states(t, sink, "tapio-crash.service") {
			if n := p.Properties.NRestarts; n != nil && *n >= 3 {
				return true
			}
		}
		return false
	}, waitFor, tick)
	var counts []uint32
	sawAutoRestart := false
	for _, p := range states(t, sink, "tapio-crash.service") {
		if p.Properties.NRestarts != nil && (len(counts) == 0 || counts[len(counts)-1] != *p.Properties.NRestarts) {
			counts = append(counts, *p.Properties.NRestarts)
		}
		sawAutoRestart = sawAutoRestart || p.Properties.SubState == "auto-restart"
	}
	assert.IsIncreasing(t, counts, "restart counts as reported: %v", counts)
	assert.True(t, sawAutoRestart, "the unit passes through auto-restart")
}

// Units that are not watched produce nothing; with include_failed an
// unwatched unit that fails produces its failed state, and only that.
func TestUnwatchedUnitsProduceNothing(t *testing.T) {
	m := systemdtest.Boot(t)
	sink := new(consumertest.LogsSink)
	run(t, configFor(m, "tapio-watched"), sink, nil)

	m.MustExec(t, "systemd-run", "--wait", "--unit=tapio-quiet", "/bin/sh", "-c", "echo quiet")
	_, _ = m.Exec("systemd-run", "--wait", "--unit=tapio-broken", "/bin/sh", "-c", "echo broken; exit 7")
	// The watched unit runs last: once its lines are in, the others'
	// would have been too.
	m.MustExec(t, "systemd-run", "--wait", "--unit=tapio-watched", "/bin/sh", "-c", "echo watched")
	require.Eventually(t, func() bool {
		return len(messages(entries(t, sink, "tapio-watched"), "watched")) == 1 &&
			len(states(t, sink, "tapio-broken.service")) > 0
	}, waitFor, tick)

	assert.Empty(t, states(t, sink, "tapio-quiet.service"))
	assert.Empty(t, entries(t, sink, "tapio-quiet"))
	assert.Empty(t, entries(t, sink, "tapio-broken"), "include_failed reports the state, not the journal")
	broken := states(t, sink, "tapio-broken.service")
	require.Len(t, broken, 1)
	assert.Equal(t, "failed", broken[0].Properties.ActiveState)
	assert.EqualValues(t, 7, *broken[0].Properties.ExecMainStatus)
}

func TestShutdownBeforeStartAndTwice(t *testing.T) {
	f := NewFactory()
	r, err := f.CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), f.CreateDefaultConfig(), consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, r.Shutdown(context.Background()))
	require.NoError(t, r.Shutdown(context.Background()))
}
