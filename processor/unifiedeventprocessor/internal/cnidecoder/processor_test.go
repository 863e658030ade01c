package cnidecoder_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/internal/unifiedevent"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/cnidecoder"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/unifiedeventtest"
)

// Through the real processor, as the CNI receiver feeds it: the entries
// become events with the pod's semantic-convention attributes.
func TestThroughTheProcessor(t *testing.T) {
	emitter := rawrecord.NewEmitter(rawrecord.SourceCNI, "1", rawrecord.Identity{HostName: "h", NodeName: "n"}, "tapio/cnireceiver", "test")
	b := emitter.NewBatch()
	multus := entries(t, "multus")
	b.Append("cni.line", multus[0], time.Time{}).Attributes().PutStr("log.file.path", "/var/log/multus.log")
	b.Append("cni.line", []byte("   "), time.Time{}).Attributes().PutStr("log.file.path", "/var/log/multus.log")

	records := unifiedeventtest.Process(t, b.Logs())
	require.Len(t, records, 2)

	add := records[0]
	attrs := add.Attributes().AsRaw()
	assert.Equal(t, "tapio.cni.add", attrs["event.name"])
	assert.Equal(t, "cart-7d9f-x2v4q", attrs["k8s.pod.name"])
	assert.Equal(t, "shop", attrs["k8s.namespace.name"])
	assert.Equal(t, "2f0c6e1a-8d3b-4a55-9c1e-7b6d5a4f3e21", attrs["k8s.pod.uid"])
	assert.Equal(t, "/var/log/multus.log", attrs["log.file.path"], "the receiver's attributes stay")
	ev, err := unifiedevent.FromLogRecord(add)
	require.NoError(t, err)
	assert.Equal(t, unifiedevent.NameCNIAdd, ev.Name)
	assert.Equal(t, "cni.line", ev.RawKind)
	assert.Equal(t, time.Date(2026, 11, 29, 8, 1, 2, 0, time.UTC), ev.Time)
	assert.Equal(t, "multus", ev.CNI.Plugin)
	assert.Equal(t, "/var/run/netns/cni-5e1c8b7a", ev.CNI.Netns)

	blank := records[1]
	msg, ok := blank.Attributes().Get(unifiedevent.AttrDecodeError)
	require.True(t, ok, "a blank entry passes on marked, not dropped")
	assert.Contains(t, msg.Str(), "empty cni log entry")
}

// The processor lends the decoder one Scratch for the whole batch: every
// fixture entry, all in one batch, reads back as it decodes alone, with
// nothing left from the entry before (a pod, a result, an error).
func TestScratchLeavesNothingBehind(t *testing.T) {
	emitter := rawrecord.NewEmitter(rawrecord.SourceCNI, "1", rawrecord.Identity{HostName: "h", NodeName: "n"}, "tapio/cnireceiver", "test")
	b := emitter.NewBatch()
	var want []*unifiedevent.Event
	for _, fx := range fixtures {
		for _, body := range entries(t, fx.name) {
			b.Append("cni.line", body, time.Time{}).Attributes().PutStr("log.file.path", fx.path)
			ev, err := cnidecoder.Decode(raw(body, fx.path))
			require.NoError(t, err)
			want = append(want, ev)
		}
	}
	records := unifiedeventtest.Process(t, b.Logs())
	require.Len(t, records, len(want))
	for i, w := range want {
		got, err := unifiedevent.FromLogRecord(records[i])
		require.NoError(t, err)
		assert.Equal(t, w.Name, got.Name, i)
		assert.Equal(t, w.Message, got.Message, i)
		assert.Equal(t, w.Severity, got.Severity, i)
		assert.Equal(t, w.CNI, got.CNI, i)
		assert.Equal(t, w.K8s, got.K8s, i)
	}
}
