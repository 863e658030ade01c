package unitwatch

import (
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/yairfalse/tapio/receiver/systemdreceiver/internal/unitmatch"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// signal builds a PropertiesChanged as godbus delivers it. The tracker's
// logic is pure, so these unit tests feed it by hand; the receiver's tests
// cover the same against a real systemd.
func signal(unit, iface string, props map[string]any) *dbus.Signal {
	changed := make(map[string]dbus.Variant, len(props))
	for k, v := range props {
		changed[k] = dbus.MakeVariant(v)
	}
	return &dbus.Signal{
		Path: dbus.ObjectPath(unitPathRoot + escape(unit)),
		Name: propertiesChanged,
		Body: []any{iface, changed, []string{}},
	}
}

func escape(unit string) string {
	out := ""
	for _, c := range []byte(unit) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			out += string(c)
		} else {
			out += "_" + string("0123456789abcdef"[c>>4]) + string("0123456789abcdef"[c&15])
		}
	}
	return out
}

func tracker(t *testing.T, includeFailed bool, units ...string) *Tracker {
	set, err := unitmatch.New(units)
	require.NoError(t, err)
	return NewTracker(set, includeFailed)
}

func TestTrackerJoinsTheServiceSignalToTheUnitSignal(t *testing.T) {
	tr := tracker(t, false, "kubelet")
	_, ok := tr.Signal(signal("kubelet.service", ifaceUnit, map[string]any{"ActiveState": "active", "SubState": "running"}))
	assert.True(t, ok, "a watched unit seen running is reported")

	_, ok = tr.Signal(signal("kubelet.service", "org.freedesktop.systemd1.Service", map[string]any{
		"Result": "exit-code", "NRestarts": uint32(2), "ExecMainCode": int32(1), "ExecMainStatus": int32(3), "ExecMainPID": uint32(42),
	}))
	assert.False(t, ok, "the type signal waits for the Unit signal")
	p, ok := tr.Signal(signal("kubelet.service", ifaceUnit, map[string]any{
		"ActiveState": "failed", "SubState": "failed", "InvocationID": []byte{0xab, 0xcd},
		"StateChangeTimestamp": uint64(1795932335842385),
	}))
	require.True(t, ok)
	assert.Equal(t, "kubelet.service", p.Unit)
	assert.Equal(t, TriggerSignal, p.Trigger)
	assert.Equal(t, "active", p.OldActiveState)
	assert.Equal(t, []string{"ActiveState", "SubState", "Result", "NRestarts", "ExecMainCode", "ExecMainStatus", "InvocationID"}, p.Changed)
	assert.Equal(t, "abcd", p.Properties.InvocationID)
	assert.EqualValues(t, 2, *p.Properties.NRestarts)
	assert.EqualValues(t, 3, *p.Properties.ExecMainStatus)
	assert.Equal(t, int64(1795932335842385), p.Time().UnixMicro())

	// A Unit signal that changes nothing relevant (a job, a timestamp)
	// is no change.
	_, ok = tr.Signal(signal("kubelet.service", ifaceUnit, map[string]any{"ActiveState": "failed", "Job": "x"}))
	assert.False(t, ok)
}

func TestTrackerReportsUnwatchedUnitsOnlyWhenTheyFail(t *testing.T) {
	tr := tracker(t, true, "kubelet")
	_, ok := tr.Signal(signal("cron.service", ifaceUnit, map[string]any{"ActiveState": "active", "SubState": "running"}))
	assert.False(t, ok)
	p, ok := tr.Signal(signal("cron.service", ifaceUnit, map[string]any{"ActiveState": "failed", "SubState": "failed"}))
	require.True(t, ok)
	assert.Equal(t, "active", p.OldActiveState)
	_, ok = tr.Signal(signal("cron.service", ifaceUnit, map[string]any{"ActiveState": "inactive", "SubState": "dead"}))
	assert.False(t, ok)
	assert.NotContains(t, tr.units, "cron.service", "an unwatched unit at rest is forgotten")

	off := tracker(t, false, "kubelet")
	_, ok = off.Signal(signal("cron.service", ifaceUnit, map[string]any{"ActiveState": "failed"}))
	assert.False(t, ok, "include_failed off")
}

func TestTrackerIgnoresAFreshlyLoadedUnit(t *testing.T) {
	tr := tracker(t, false, "tapio-*")
	_, ok := tr.Signal(signal("tapio-t1.service", ifaceUnit, map[string]any{"ActiveState": "inactive", "SubState": "dead"}))
	assert.False(t, ok)
	p, ok := tr.Signal(signal("tapio-t1.service", ifaceUnit, map[string]any{"ActiveState": "active", "SubState": "running"}))
	require.True(t, ok)
	assert.Equal(t, "inactive", p.OldActiveState)
}

func TestTrackerSkipsForeignSignals(t *testing.T) {
	tr := tracker(t, true, "kubelet")
	for _, sig := range []*dbus.Signal{
		{Path: "/org/freedesktop/systemd1", Body: []any{ifaceUnit, map[string]dbus.Variant{}}},
		{Path: unitPathRoot + "a_2eservice", Body: []any{ifaceUnit}},
		{Path: unitPathRoot + "a_2eservice", Body: []any{"org.freedesktop.DBus.Peer", map[string]dbus.Variant{}}},
		{Path: unitPathRoot + "a_2eservice", Body: []any{7, "x"}},
	} {
		_, ok := tr.Signal(sig)
		assert.False(t, ok)
	}
	// A property of an unexpected type is ignored, not guessed at.
	p, ok := tr.Signal(signal("kubelet.service", ifaceUnit, map[string]any{"ActiveState": 7, "SubState": "running"}))
	require.True(t, ok)
	assert.Empty(t, p.Properties.ActiveState)
}

func TestSnapshotCountsWhatChangedUnobserved(t *testing.T) {
	tr := tracker(t, false, "a", "b")
	one := uint32(1)
	first, missed := tr.Snapshot(map[string]Props{
		"b.service": {ActiveState: "active"},
		"a.service": {ActiveState: "active"},
	})
	assert.Equal(t, 2, missed, "units not seen before count as changed")
	require.Len(t, first, 2)
	assert.Equal(t, "a.service", first[0].Unit, "sorted, for stable batches")

	again, missed := tr.Snapshot(map[string]Props{
		"a.service": {ActiveState: "active"},
		"b.service": {ActiveState: "failed", NRestarts: &one},
	})
	assert.Equal(t, 1, missed)
	assert.Equal(t, TriggerSnapshot, again[1].Trigger)
	assert.Equal(t, "active", again[1].OldActiveState)
	assert.Equal(t, []string{"ActiveState", "NRestarts"}, again[1].Changed)
	assert.Empty(t, again[0].Changed)
}

func TestUnitNameAndTypeInterface(t *testing.T) {
	for path, want := range map[string]string{
		unitPathRoot + "kubelet_2eservice":                "kubelet.service",
		unitPathRoot + "dev_2ddisk_2dby_5cx2duuid_2eswap": `dev-disk-by\x2duuid.swap`,
		unitPathRoot + "trailing_2":                       "trailing_2",
	} {
		got, ok := unitName(dbus.ObjectPath(path))
		assert.True(t, ok)
		assert.Equal(t, want, got)
	}
	_, ok := unitName("/org/freedesktop/systemd1/job/5")
	assert.False(t, ok)
	assert.Equal(t, "Service", typeInterface("kubelet.service"))
	assert.Equal(t, "", typeInterface("noext"))
}

func TestQueueKeepsOrderAndCountsDrops(t *testing.T) {
	q := newQueue(2)
	for i := 0; i < 3; i++ {
		q.DeliverSignal("", "", &dbus.Signal{Name: propertiesChanged, Sequence: dbus.Sequence(i)})
	}
	q.DeliverSignal("", "", &dbus.Signal{Name: "org.freedesktop.DBus.NameAcquired"})
	<-q.ready
	got := q.drain(nil)
	require.Len(t, got, 2)
	assert.Equal(t, dbus.Sequence(0), got[0].Sequence)
	assert.Equal(t, dbus.Sequence(1), got[1].Sequence)
	assert.EqualValues(t, 1, q.dropped.Load())
}
