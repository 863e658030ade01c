package k8sdecoder_test

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

// Through the real processor, as the watch receiver feeds it: watch events
// become events with the k8s.* attributes, and a bad body passes on
// undecoded with its error.
func TestThroughTheProcessor(t *testing.T) {
	emitter := rawrecord.NewEmitter(rawrecord.SourceK8s, "1", rawrecord.Identity{HostName: "h", NodeName: "node-a"}, "tapio/k8swatchreceiver", "test")
	b := emitter.NewBatch()
	b.Append("k8s.watch", watchEvent(t, "MODIFIED", oomPod(), "v1", "Pod"), time.Time{})
	b.Append("k8s.watch", watchEvent(t, "ADDED", backOffEvent(), "v1", "Event"), at.Time)
	b.Append("k8s.watch", []byte(`{"type":"ADDED"}`), time.Time{})

	records := unifiedeventtest.Process(t, b.Logs())
	require.Len(t, records, 3)

	pod := readEvent(t, records[0])
	assert.Equal(t, unifiedevent.NameK8sObject, pod.Name)
	assert.Equal(t, "k8s", pod.Source)
	assert.NotEmpty(t, pod.ID)
	assert.Equal(t, "OOMKilled", pod.K8sObject.Containers[0].LastReason)
	assertAttr(t, records[0], "k8s.pod.name", "cart-7d9f8c6b5-x2x9q")
	assertAttr(t, records[0], "k8s.namespace.name", "shop")
	assertAttr(t, records[0], "k8s.deployment.name", "cart")
	assert.Equal(t, plog.SeverityNumberWarn, records[0].SeverityNumber())

	event := readEvent(t, records[1])
	assert.Equal(t, unifiedevent.NameK8sEvent, event.Name)
	assert.Equal(t, at.Time, event.Time)
	assert.Equal(t, "BackOff", event.K8s.Reason)
	assert.Equal(t, "Pod", event.K8sObject.Event.InvolvedKind)
	assertAttr(t, records[1], "k8s.pod.uid", "8d1e1f4c-7a52-4a89-9d1c-3c3c8c6b5a10")

	_, err := unifiedevent.FromLogRecord(records[2])
	require.ErrorIs(t, err, unifiedevent.ErrNotUnifiedEvent)
	msg, ok := records[2].Attributes().Get(unifiedevent.AttrDecodeError)
	require.True(t, ok)
	assert.Contains(t, msg.Str(), "malformed watch event")
}

func readEvent(t *testing.T, lr plog.LogRecord) *unifiedevent.Event {
	t.Helper()
	ev, err := unifiedevent.FromLogRecord(lr)
	require.NoError(t, err)
	return ev
}

func assertAttr(t *testing.T, lr plog.LogRecord, key string, want any) {
	t.Helper()
	v, ok := lr.Attributes().Get(key)
	require.True(t, ok, "attribute %s missing", key)
	assert.Equal(t, want, v.AsRaw(), key)
}
