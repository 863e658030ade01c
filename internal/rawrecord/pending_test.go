package rawrecord

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Each build is the records as appended, whatever was done to an earlier
// build: a consumer that decoded one in place and refused it leaves the
// next try untouched. The observed time is the append's, not the build's.
func TestPendingBuildsTheSameBatchEachTime(t *testing.T) {
	e := NewEmitter(SourceSystemd, "1", Identity{HostName: "h", NodeName: "n"}, "scope/x", "0.1.0")
	var p Pending
	buf := []byte(`{"MESSAGE":"one"}`)
	happened := time.Date(2026, 12, 7, 22, 0, 0, 0, time.UTC)
	p.Append("journal.entry", buf, happened)
	buf[2] = 'X' // held as a copy
	p.Append("unit.state", []byte(`{"unit":"kubelet.service"}`), time.Time{})
	require.NoError(t, p.AppendLoss(Loss{Kind: "journal.entry", Reason: LossConsumerRejected, Count: 3, Since: happened, Until: happened.Add(time.Second)}))

	first := e.Build(&p)
	want := plog.NewLogs()
	first.CopyTo(want)
	for _, lr := range first.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().All() {
		lr.Body().SetStr("decoded in place")
		lr.Attributes().PutStr("tapio.event.type", "rewritten")
	}
	again := e.Build(&p)
	// Equal timestamps too: a build that stamped its own observed time
	// would differ by the nanoseconds between the two builds.
	assert.Equal(t, want, again)

	records := again.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	require.Equal(t, 3, records.Len())
	assert.Equal(t, []byte(`{"MESSAGE":"one"}`), records.At(0).Body().Bytes().AsRaw())
	assert.Equal(t, happened, records.At(0).Timestamp().AsTime())
	assert.Zero(t, records.At(1).Timestamp(), "no event time stays unset")
	l, err := ParseLoss(records.At(2).Body().Bytes().AsRaw())
	require.NoError(t, err)
	assert.Equal(t, uint64(3), l.Count)
	assert.Equal(t, []string{"journal.entry", "unit.state", KindLoss}, p.Kinds())
	assert.Equal(t, 3, p.Len())
}

func TestPendingResetStartsAnEmptyBatch(t *testing.T) {
	e := NewEmitter(SourceEBPF, "1", Identity{HostName: "h", NodeName: "n"}, "s", "v")
	var p Pending
	p.Append("process.exec", []byte{1, 2, 3}, time.Time{})
	p.Reset()
	assert.Zero(t, p.Len())
	assert.Empty(t, p.Kinds())
	assert.Zero(t, e.Build(&p).LogRecordCount())

	p.Append("process.exit", []byte{4}, time.Time{})
	lr := e.Build(&p).ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	assert.Equal(t, []byte{4}, lr.Body().Bytes().AsRaw(), "nothing of the batch before the reset")
}

func TestPendingBuildWithAddsTheReceiversAttributes(t *testing.T) {
	e := NewEmitter(SourceK8s, "1", Identity{HostName: "h", NodeName: "n"}, "s", "v")
	var p Pending
	p.Append("k8s.watch", []byte(`{"type":"ADDED"}`), time.Time{})
	p.Append("k8s.watch", []byte(`{"type":"MODIFIED"}`), time.Time{})
	ld := e.BuildWith(&p, func(i int, lr plog.LogRecord) {
		if i == 1 {
			lr.Attributes().PutStr("tapio.k8s.watch.origin", "relist")
		}
	})
	records := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	require.Equal(t, 2, records.Len())
	_, marked := records.At(0).Attributes().Get("tapio.k8s.watch.origin")
	assert.False(t, marked)
	origin, _ := records.At(1).Attributes().Get("tapio.k8s.watch.origin")
	assert.Equal(t, "relist", origin.Str())
	assert.Equal(t, []byte(`{"type":"MODIFIED"}`), records.At(1).Body().Bytes().AsRaw())
}
