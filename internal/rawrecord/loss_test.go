package rawrecord

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLossRoundTrip(t *testing.T) {
	since := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	want := Loss{Kind: "tcp.state", Reason: LossRingBufferFull, Count: 12, Since: since, Until: since.Add(5 * time.Second)}
	b := NewEmitter(SourceEBPF, "1", Identity{HostName: "h", NodeName: "n"}, "s", "v").NewBatch()
	require.NoError(t, b.AppendLoss(want))

	lr := b.Logs().ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	assert.Equal(t, KindLoss, lr.Attributes().AsRaw()[AttrKind])
	assert.Equal(t, want.Until, lr.Timestamp().AsTime())
	got, err := ParseLoss(lr.Body().Bytes().AsRaw())
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestParseLossRejectsIncompletePayloads(t *testing.T) {
	for _, payload := range []string{``, `{`, `[]`, `{"count":3}`, `{"kind":"dns","count":-1,"reason":"x"}`} {
		_, err := ParseLoss([]byte(payload))
		assert.Error(t, err, payload)
	}
}

func TestRejectionsReportUntilTaken(t *testing.T) {
	var r Rejections
	_, ok := r.Loss("journal.entry")
	assert.False(t, ok, "nothing dropped, nothing to report")

	before := time.Now()
	r.Add(3)
	r.Add(0)
	r.Add(2)
	l, ok := r.Loss("journal.entry")
	require.True(t, ok)
	assert.Equal(t, Loss{Kind: "journal.entry", Reason: LossConsumerRejected, Count: 5, Since: l.Since, Until: l.Until}, l)
	assert.False(t, l.Since.Before(before))
	assert.False(t, l.Until.Before(l.Since))

	// A batch with the record refused too: the tally goes on from the
	// first drop.
	r.Add(1)
	again, _ := r.Loss("journal.entry")
	assert.Equal(t, uint64(6), again.Count)
	assert.Equal(t, l.Since, again.Since)

	r.Reported()
	_, ok = r.Loss("journal.entry")
	assert.False(t, ok)
}
