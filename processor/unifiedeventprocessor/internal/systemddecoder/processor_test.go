package systemddecoder_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/internal/unifiedevent"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/unifiedeventtest"
)

// Through the real processor, as the systemd receiver feeds it: every
// captured payload becomes an event with the tapio.systemd.unit attribute,
// and a bad payload passes on undecoded with its error.
func TestThroughTheProcessor(t *testing.T) {
	at := time.Date(2026, 11, 29, 9, 0, 5, 0, time.UTC)
	emitter := rawrecord.NewEmitter(rawrecord.SourceSystemd, "1", rawrecord.Identity{HostName: "h", NodeName: "n"}, "tapio/systemdreceiver", "test")
	b := emitter.NewBatch()
	all := samples(t)
	for _, s := range all {
		b.Append(s.Kind, s.Body, at)
	}
	b.Append("unit.state", []byte(`{"unit":"x.service"}`), at)

	records := unifiedeventtest.Process(t, b.Logs())
	require.Len(t, records, len(all)+1)
	for i := range all {
		ev, err := unifiedevent.FromLogRecord(records[i])
		require.NoError(t, err, "record %d", i)
		assert.NotEmpty(t, ev.ID)
		assert.Equal(t, all[i].Kind, ev.RawKind)
		unit, ok := records[i].Attributes().Get(unifiedevent.AttrSystemdUnit)
		require.True(t, ok, "record %d", i)
		assert.Equal(t, ev.Systemd.Unit, unit.Str())
	}

	failed := records[3]
	assert.Equal(t, plog.SeverityNumberError, failed.SeverityNumber())
	assert.Equal(t, "kubelet.service failed (exit-code, status 3)", readEvent(t, failed).Message)

	bad := records[len(all)]
	msg, ok := bad.Attributes().Get(unifiedevent.AttrDecodeError)
	require.True(t, ok)
	assert.Contains(t, msg.Str(), "systemd unit.state: malformed systemd payload: properties is missing")
}

func readEvent(t *testing.T, lr plog.LogRecord) *unifiedevent.Event {
	t.Helper()
	ev, err := unifiedevent.FromLogRecord(lr)
	require.NoError(t, err)
	return ev
}
