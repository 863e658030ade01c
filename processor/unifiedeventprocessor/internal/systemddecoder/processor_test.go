package systemddecoder_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/decode"
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

// The processor lends the decoder one Scratch for the whole batch: every
// captured journal entry, in one batch, reads back as it decodes alone,
// with nothing left from the entry before (a uid, a priority, a
// container).
func TestScratchLeavesNothingBehind(t *testing.T) {
	at := time.Date(2026, 11, 29, 9, 0, 5, 0, time.UTC)
	emitter := rawrecord.NewEmitter(rawrecord.SourceSystemd, "1", rawrecord.Identity{HostName: "h", NodeName: "n"}, "tapio/systemdreceiver", "test")
	b := emitter.NewBatch()
	var bodies [][]byte
	for _, s := range samples(t) {
		if s.Kind == "journal.entry" {
			bodies = append(bodies, s.Body)
		}
	}
	// A container's line with every field, then a bare one.
	bodies = append(bodies,
		[]byte(`{"PRIORITY":"3","MESSAGE":"boom","_PID":"4242","_UID":"1000","_COMM":"dockerd","CONTAINER_ID_FULL":"0123456789abcdef","CONTAINER_NAME":"web-1"}`),
		[]byte(`{"MESSAGE":"bare"}`))
	var want []*unifiedevent.Event
	for _, body := range bodies {
		b.Append("journal.entry", body, at)
		ev, err := decoder(t, "journal.entry").Decode(decode.Raw{Source: "systemd", Kind: "journal.entry", Version: "1", Body: body})
		require.NoError(t, err)
		want = append(want, ev)
	}
	require.Greater(t, len(want), 2)
	records := unifiedeventtest.Process(t, b.Logs())
	require.Len(t, records, len(want))
	for i, w := range want {
		got := readEvent(t, records[i])
		// As it reads back: an empty part reads as none.
		w.ID = got.ID
		lr := plog.NewLogRecord()
		w.WriteTo(lr)
		w = readEvent(t, lr)
		assert.Equal(t, w.Message, got.Message, i)
		assert.Equal(t, w.Severity, got.Severity, i)
		assert.Equal(t, w.Systemd, got.Systemd, i)
		assert.Equal(t, w.Process, got.Process, i)
		assert.Equal(t, w.Container, got.Container, i)
	}
}
