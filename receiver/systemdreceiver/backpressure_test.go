package systemdreceiver

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/internal/systemdtest"
	"github.com/yairfalse/tapio/internal/testkit"
)

// While the next consumer pushes back (memory_limiter short of memory),
// the receiver keeps what it read and reads nothing more, so nothing is
// dropped: once the consumer takes data again, every entry arrives, once
// and raw as journalctl wrote it, although the consumer rewrote each batch
// it refused.
func TestBackpressureKeepsJournalEntries(t *testing.T) {
	m := systemdtest.Boot(t)
	sink := &journalRefusals{RefusingSink: testkit.RefusingSink{Err: errors.New("data refused due to high memory usage"), Accept: make(chan struct{})}}
	cfg := configFor(m, "tapio-bp-*")
	// From the journal's start: the entries logged before journalctl
	// follows are read too, so no marker has to get through first.
	cfg.Journal.StartAt = "beginning"
	_, tt := run(t, cfg, sink, nil)

	logUnits(t, m, "tapio-bp", 0, 3)
	// A batch of entries refused and handed on again, rewritten by the
	// sink each time. Meanwhile nothing more is read: whichever entries it
	// holds, the lines wait in the journal until the consumer takes data.
	require.Eventually(t, func() bool { return sink.journal.Load() >= 3 }, waitFor, tick,
		"the receiver hands a refused batch of journal entries on again")
	close(sink.Accept)
	require.Eventually(t, func() bool {
		return len(messages(entries(t, &sink.LogsSink, "tapio-bp-"), "line-")) >= 3
	}, waitFor, tick)
	assert.Equal(t, lineSet(0, 3), messages(entries(t, &sink.LogsSink, "tapio-bp-"), "line-"), "each entry once, raw")
	assert.Zero(t, dropped(tt, rawrecord.LossConsumerRejected), "nothing refused was dropped")
	t.Logf("%d refusals, %d of them of journal entries, before the consumer took the batches", sink.Refused.Load(), sink.journal.Load())
}

// journalRefusals counts the refused batches that hold a journal entry:
// refusals of unit states alone do not exercise the journal's retries.
type journalRefusals struct {
	testkit.RefusingSink
	journal atomic.Int64
}

func (s *journalRefusals) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	hasEntry := false
	for _, lr := range testkit.LogRecords(ld) {
		if kind, _ := lr.Attributes().Get(rawrecord.AttrKind); kind.Str() == kindJournalEntry {
			hasEntry = true
		}
	}
	err := s.RefusingSink.ConsumeLogs(ctx, ld)
	if err != nil && hasEntry {
		s.journal.Add(1)
	}
	return err
}

// A batch refused for good is dropped: counted by kind, and reported by a
// loss record of that kind in the next batch the consumer takes.
func TestPermanentRefusalIsCountedAndReported(t *testing.T) {
	m := systemdtest.Boot(t)
	sink := &testkit.RefusingSink{Err: consumererror.NewPermanent(errors.New("malformed")), Limit: 1, Accept: make(chan struct{})}
	_, tt := run(t, configFor(m, "tapio-pr-*"), sink, nil)

	n := 0
	var lost rawrecord.Loss
	require.Eventually(t, func() bool {
		for _, l := range losses(t, &sink.LogsSink) {
			if l.Reason == rawrecord.LossConsumerRejected {
				lost = l
				return true
			}
		}
		// Each unit is news on both paths: its states and its line.
		n++
		m.MustExec(t, "systemd-run", "--wait", "--quiet", fmt.Sprintf("--unit=tapio-pr-%d", n), "/bin/sh", "-c", "echo line")
		return false
	}, waitFor, tick, "a consumer_rejected loss record")

	require.EqualValues(t, 1, sink.Refused.Load())
	assert.Contains(t, []string{kindUnitState, kindJournalEntry}, lost.Kind)
	assert.EqualValues(t, lost.Count, droppedOf(tt, lost.Kind, rawrecord.LossConsumerRejected),
		"the loss record counts what the counter counted")
	assert.Positive(t, lost.Count)
	assert.False(t, lost.Since.After(lost.Until))
}

// dropped sums events.dropped over the data points of one reason.
func dropped(tt *componenttest.Telemetry, reason string) int64 {
	return droppedOf(tt, "", reason)
}

// droppedOf sums events.dropped of one kind ("" for any) and reason.
func droppedOf(tt *componenttest.Telemetry, kind, reason string) int64 {
	m, err := tt.GetMetric("otelcol.tapio_systemd.events.dropped")
	if err != nil {
		return 0
	}
	var n int64
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		k, _ := dp.Attributes.Value("kind")
		r, _ := dp.Attributes.Value("reason")
		if r.AsString() == reason && (kind == "" || k.AsString() == kind) {
			n += dp.Value
		}
	}
	return n
}

// Entries still refused when the collector stops are counted as dropped
// and not lost for good: the saved cursor stays before them, so the next
// collector with the same storage reads them again.
func TestEntriesRefusedAtShutdownAreReadAgain(t *testing.T) {
	m := systemdtest.Boot(t)
	host, storageID := startFileStorage(t)
	// Exact names: journalctl filters, so the units' few entries come in
	// one go and the refused batch holds the lines.
	cfg := configFor(m, "tapio-sd-0", "tapio-sd-1")
	cfg.StorageID = &storageID
	cfg.Journal.StartAt = "beginning"
	logUnits(t, m, "tapio-sd", 0, 2)

	refusing := &journalRefusals{RefusingSink: testkit.RefusingSink{Err: errors.New("data refused due to high memory usage"), Accept: make(chan struct{})}}
	first, tt := run(t, cfg, refusing, host)
	require.Eventually(t, func() bool { return refusing.journal.Load() >= 1 }, waitFor, tick)
	require.NoError(t, first.Shutdown(context.Background()))
	assert.Positive(t, droppedOf(tt, kindJournalEntry, rawrecord.LossConsumerRejected), "what the stop left refused is counted")

	second := new(consumertest.LogsSink)
	run(t, cfg, second, host)
	require.Eventually(t, func() bool {
		return len(messages(entries(t, second, "tapio-sd-"), "line-")) >= 2
	}, waitFor, tick, "the refused entries are read again after the restart")
	assert.Equal(t, lineSet(0, 2), messages(entries(t, second, "tapio-sd-"), "line-"))
}
