package ebpfreceiver

import (
	"context"
	"encoding/binary"
	"errors"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/yairfalse/tapio/internal/ebpf/wire"
	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/internal/testkit"
	"github.com/yairfalse/tapio/receiver/ebpfreceiver/internal/metadata"
)

// A child that execs and exits 3 shows up as two raw records carrying the
// kernel's samples untouched, with the contract's attributes and a wall
// clock timestamp.
func TestReceiverEmitsExecAndExitOfAChild(t *testing.T) {
	testkit.RequireRoot(t)
	sink := new(consumertest.LogsSink)
	cfg := createDefaultConfig().(*Config)
	cfg.Events = []string{"process.exec", "process.exit"}
	startReceiver(t, cfg, sink)

	before := time.Now()
	cmd := exec.Command("/bin/sh", "-c", "exit 3")
	require.Error(t, cmd.Run())
	pid := uint32(cmd.Process.Pid)

	var execRec, exitRec plog.LogRecord
	require.Eventually(t, func() bool {
		for _, lr := range testkit.LogRecords(sink.AllLogs()...) {
			body := lr.Body().Bytes().AsRaw()
			hdr, err := wire.ParseHeader(body)
			if err != nil || hdr.PID != pid {
				continue
			}
			switch hdr.Type {
			case wire.TypeExec:
				execRec = lr
			case wire.TypeExit:
				exitRec = lr
			}
		}
		return execRec != (plog.LogRecord{}) && exitRec != (plog.LogRecord{})
	}, 10*time.Second, 20*time.Millisecond, "exec and exit of pid %d", pid)

	attrs := execRec.Attributes().AsRaw()
	assert.Equal(t, "ebpf", attrs[rawrecord.AttrSource])
	assert.Equal(t, "process.exec", attrs[rawrecord.AttrKind])
	assert.Equal(t, "1", attrs[rawrecord.AttrVersion])
	assert.Equal(t, "process.exit", exitRec.Attributes().AsRaw()[rawrecord.AttrKind])

	when := execRec.Timestamp().AsTime()
	assert.WithinRange(t, when, before.Add(-time.Second), time.Now().Add(time.Second),
		"kernel boot time converted to wall clock")

	exitBody := exitRec.Body().Bytes().AsRaw()
	require.GreaterOrEqual(t, len(exitBody), wire.ExitSize)
	code := binary.LittleEndian.Uint32(exitBody[wire.HeaderSize+4:])
	assert.Equal(t, uint32(3), (code>>8)&0xff, "the raw wait status carries exit status 3")
}

// blockingSink holds every batch until released, like a stalled exporter.
type blockingSink struct {
	consumertest.LogsSink
	release chan struct{}
	once    sync.Once
}

func (b *blockingSink) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	<-b.release
	return b.LogsSink.ConsumeLogs(ctx, ld)
}

func (b *blockingSink) unblock() { b.once.Do(func() { close(b.release) }) }

// With the pipeline stalled and the smallest ring, a burst of execs cannot
// all fit: the kernel counts what it dropped, and the receiver says so in
// the stream and in its metrics once the pipeline moves again.
func TestLossIsReportedInStreamAndAsMetric(t *testing.T) {
	testkit.RequireRoot(t)
	sink := &blockingSink{release: make(chan struct{})}
	defer sink.unblock()
	cfg := createDefaultConfig().(*Config)
	cfg.Events = []string{"process.exec"}
	cfg.RingBufferSize = 4096
	cfg.WakeupBytes = 0 // no batching of wakeups in a one-page ring
	cfg.LossReportInterval = 100 * time.Millisecond
	tel := startReceiver(t, cfg, sink)

	for range 50 {
		require.NoError(t, exec.Command("/bin/true").Run())
	}
	sink.unblock()

	var lost uint64
	require.Eventually(t, func() bool {
		lost = 0
		for _, lr := range testkit.LogRecords(sink.AllLogs()...) {
			if lr.Attributes().AsRaw()[rawrecord.AttrKind] != rawrecord.KindLoss {
				continue
			}
			l, err := rawrecord.ParseLoss(lr.Body().Bytes().AsRaw())
			require.NoError(t, err)
			assert.Equal(t, "process.exec", l.Kind)
			assert.Equal(t, rawrecord.LossRingBufferFull, l.Reason)
			lost += l.Count
		}
		return lost > 0
	}, 10*time.Second, 20*time.Millisecond)

	m, err := tel.GetMetric("otelcol.tapio_ebpf.events.lost")
	require.NoError(t, err)
	assert.NotEmpty(t, m.Name)
	t.Logf("a 4 KiB ring with a stalled pipeline lost %d of 50+ exec events", lost)
}

// execsOf reports whether the sink holds an exec record of each pid.
func execsOf(sink *consumertest.LogsSink, pids map[uint32]bool) bool {
	seen := map[uint32]bool{}
	for _, lr := range testkit.LogRecords(sink.AllLogs()...) {
		if lr.Body().Type() != pcommon.ValueTypeBytes {
			continue // a rewritten batch handed on again
		}
		hdr, err := wire.ParseHeader(lr.Body().Bytes().AsRaw())
		if err == nil && hdr.Type == wire.TypeExec && pids[hdr.PID] {
			seen[hdr.PID] = true
		}
	}
	return len(seen) == len(pids)
}

// While the next consumer pushes back, the receiver keeps what it read
// and stops reading, so nothing it read is dropped: once the consumer
// takes data again, every exec made meanwhile arrives, raw as it was read
// although the refused batches were rewritten, and nothing was counted as
// dropped.
func TestBackpressureKeepsWhatWasRead(t *testing.T) {
	testkit.RequireRoot(t)
	sink := &testkit.RefusingSink{Err: errors.New("data refused due to high memory usage"), Accept: make(chan struct{})}
	cfg := createDefaultConfig().(*Config)
	cfg.Events = []string{"process.exec"}
	tel := startReceiver(t, cfg, sink)

	pids := map[uint32]bool{}
	for range 5 {
		cmd := exec.Command("/bin/true")
		require.NoError(t, cmd.Run())
		pids[uint32(cmd.Process.Pid)] = true
	}
	require.Eventually(t, func() bool { return sink.Refused.Load() >= 3 }, 10*time.Second, 5*time.Millisecond,
		"the receiver retries a refused batch")
	close(sink.Accept)
	require.Eventually(t, func() bool { return execsOf(&sink.LogsSink, pids) }, 10*time.Second, 20*time.Millisecond)

	_, err := tel.GetMetric("otelcol.tapio_ebpf.events.dropped")
	assert.Error(t, err, "nothing was dropped, so the counter was never written")
	t.Logf("%d refusals before the consumer took the batch", sink.Refused.Load())
}

// A batch refused for good is dropped: counted per kind, and reported
// in-stream by a loss record, which the consumer takes.
func TestPermanentRefusalIsCountedAndReported(t *testing.T) {
	testkit.RequireRoot(t)
	sink := &testkit.RefusingSink{Err: consumererror.NewPermanent(errors.New("malformed")), Limit: 1, Accept: make(chan struct{})}
	cfg := createDefaultConfig().(*Config)
	cfg.Events = []string{"process.exec"}
	cfg.LossReportInterval = 50 * time.Millisecond
	tel := startReceiver(t, cfg, sink)

	require.NoError(t, exec.Command("/bin/true").Run())
	require.Eventually(t, func() bool {
		_, err := tel.GetMetric("otelcol.tapio_ebpf.events.dropped")
		return err == nil
	}, 10*time.Second, 5*time.Millisecond, "the refused batch is counted as dropped")

	require.Eventually(t, func() bool {
		for _, lr := range testkit.LogRecords(sink.AllLogs()...) {
			if lr.Attributes().AsRaw()[rawrecord.AttrKind] != rawrecord.KindLoss {
				continue
			}
			l, err := rawrecord.ParseLoss(lr.Body().Bytes().AsRaw())
			require.NoError(t, err)
			if l.Reason == rawrecord.LossConsumerRejected && l.Kind == "process.exec" && l.Count > 0 {
				return true
			}
		}
		return false
	}, 10*time.Second, 20*time.Millisecond, "a consumer_rejected loss record for process.exec")
}

// startReceiver starts the receiver through its factory, stopped at the
// end of the test, and returns its telemetry.
func startReceiver(t *testing.T, cfg *Config, next consumer.Logs) *componenttest.Telemetry {
	t.Helper()
	tel := componenttest.NewTelemetry()
	set := receivertest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	rcv, err := NewFactory().CreateLogs(t.Context(), set, cfg, next)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(t.Context(), componenttest.NewNopHost()))
	t.Cleanup(func() {
		require.NoError(t, rcv.Shutdown(context.Background()))
		require.NoError(t, tel.Shutdown(context.Background()))
	})
	return tel
}

func TestShutdownBeforeStartAndTwice(t *testing.T) {
	rcv, err := NewFactory().CreateLogs(t.Context(), receivertest.NewNopSettings(metadata.Type),
		createDefaultConfig(), consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, rcv.Shutdown(t.Context()))
	require.NoError(t, rcv.Shutdown(t.Context()))
}
