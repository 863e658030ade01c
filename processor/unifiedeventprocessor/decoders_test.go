package unifiedeventprocessor

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/internal/unifiedevent"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/metadata"
)

// Through the real factory: every source's loss report becomes a tapio.loss
// warning that says what was lost, how much and why.
func TestLossRecordsFromEverySourceDecode(t *testing.T) {
	until := time.Date(2026, 11, 29, 9, 0, 5, 0, time.UTC)
	for _, src := range []rawrecord.Source{rawrecord.SourceEBPF, rawrecord.SourceCNI, rawrecord.SourceSystemd, rawrecord.SourceK8s} {
		t.Run(string(src), func(t *testing.T) {
			b := rawrecord.NewEmitter(src, "1", rawrecord.Identity{HostName: "h", NodeName: "n"}, "s", "v").NewBatch()
			require.NoError(t, b.AppendLoss(rawrecord.Loss{
				Kind: "tcp.state", Reason: rawrecord.LossRingBufferFull, Count: 7,
				Since: until.Add(-5 * time.Second), Until: until,
			}))

			sink := new(consumertest.LogsSink)
			p, err := NewFactory().CreateLogs(t.Context(), processortest.NewNopSettings(metadata.Type), &Config{}, sink)
			require.NoError(t, err)
			require.NoError(t, p.Start(t.Context(), componenttest.NewNopHost()))
			require.NoError(t, p.ConsumeLogs(t.Context(), b.Logs()))
			require.NoError(t, p.Shutdown(t.Context()))

			lr := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
			ev, err := unifiedevent.FromLogRecord(lr)
			require.NoError(t, err)
			assert.Equal(t, unifiedevent.NameLoss, ev.Name)
			assert.Equal(t, plog.SeverityNumberWarn, ev.Severity)
			assert.Equal(t, &unifiedevent.Loss{Count: 7, Reason: "ring_buffer_full", Kind: "tcp.state"}, ev.Loss)
			assert.Equal(t, until, ev.Time.UTC())
			assert.Contains(t, ev.Message, "lost 7 tcp.state records")
		})
	}
}
