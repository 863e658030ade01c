package correlationconnector

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/metadata"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// The connector never writes to its input: in the agent the pipeline hands
// the same batch to the gateway's exporter too. The batches here are
// read-only, as the collector makes a batch it gives to two consumers, so
// any write would panic. A batch with a member is passed on as a marked
// copy; a batch without one is passed on as it is, uncopied.
func TestInputIsNeverWritten(t *testing.T) {
	sink := new(consumertest.LogsSink)
	c, err := newConnector(connectortest.NewNopSettings(metadata.Type), createDefaultConfig().(*Config), output{logs: sink})
	require.NoError(t, err)
	defer func() { require.NoError(t, c.Shutdown(t.Context())) }()

	member := batchOf(t, oomEvent("a1", "0s", "api"))
	before := protoOf(t, member)
	member.MarkReadOnly()
	require.NoError(t, c.ConsumeLogs(t.Context(), member))
	assert.Equal(t, before, protoOf(t, member), "the input is unchanged")

	got := sink.AllLogs()
	require.Len(t, got, 2, "the marked batch, then the incident record")
	assert.False(t, got[0].IsReadOnly(), "a copy")
	lr := got[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	id, ok := lr.Attributes().Get(unifiedevent.AttrIncidentID)
	require.True(t, ok, "the member is marked")
	role, _ := lr.Attributes().Get(unifiedevent.AttrIncidentRole)
	assert.NotEmpty(t, role.Str())
	assert.False(t, lr.TraceID().IsEmpty())
	assert.False(t, lr.SpanID().IsEmpty(), "a kept member has its own span")
	incident := got[1].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	assert.Equal(t, unifiedevent.NameIncident, recordName(incident))
	assert.Equal(t, lr.TraceID(), incident.TraceID(), "member and incident share the trace")
	assert.NotEmpty(t, id.Str())

	sink.Reset()
	quiet := batchOf(t, inEvent{Name: string(unifiedevent.NameProcessExec), ID: "e1", At: "1s", Node: "node-a", Body: map[string]any{
		"process": map[string]any{"pid": 11, "executable_name": "sh"},
	}})
	quiet.MarkReadOnly()
	require.NoError(t, c.ConsumeLogs(t.Context(), quiet))
	require.Len(t, sink.AllLogs(), 1)
	assert.True(t, sink.AllLogs()[0].IsReadOnly(), "no member: passed on as it is")
}

func protoOf(t *testing.T, ld plog.Logs) []byte {
	t.Helper()
	data, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	require.NoError(t, err)
	return data
}
