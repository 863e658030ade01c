package correlationconnector

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/connector/correlationconnector/internal/metadata"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// crash ends a running connector as a killed process would: its goroutine
// stops and its storage file is let go, but nothing is saved.
func crash(t *testing.T, c *correlator) {
	t.Helper()
	cores.Lock()
	defer cores.Unlock()
	close(c.stop)
	<-c.done
	require.NoError(t, c.store.Close(context.Background()))
	c.store = nil
	delete(cores.m, c.cfg)
}

func TestCrashRestoresLastCheckpoint(t *testing.T) {
	dir := t.TempDir()
	set := connectortest.NewNopSettings(metadata.Type)
	newCfg := func() *Config {
		cfg := createDefaultConfig().(*Config)
		cfg.Storage = &storageID
		cfg.CheckpointInterval = 10 * time.Millisecond
		return cfg
	}

	host, ext := startFileStorage(t, dir)
	first := new(consumertest.LogsSink)
	c, err := NewFactory().CreateLogsToLogs(t.Context(), set, newCfg(), first)
	require.NoError(t, err)
	require.NoError(t, c.Start(t.Context(), host))
	require.NoError(t, c.ConsumeLogs(t.Context(), batchOf(t, oomEvent("oom-1", "0s", "api"), oomEvent("oom-2", "1m", "api"))))
	corr := c.(*correlator)
	require.Eventually(t, func() bool { return corr.checkpoints.Load() > 0 }, 10*time.Second, 5*time.Millisecond)
	crash(t, corr)
	require.NoError(t, ext.Shutdown(t.Context()))
	before := incidentRecords(first)
	require.Len(t, before, 1)

	host, ext = startFileStorage(t, dir)
	defer func() { require.NoError(t, ext.Shutdown(context.Background())) }()
	second := new(consumertest.LogsSink)
	c, err = NewFactory().CreateLogsToLogs(t.Context(), set, newCfg(), second)
	require.NoError(t, err)
	require.NoError(t, c.Start(t.Context(), host))
	require.NoError(t, c.ConsumeLogs(t.Context(), batchOf(t, oomEvent("oom-3", "2m", "api"))))
	c.(*correlator).advance(t.Context(), scenarioBase.Add(2*time.Hour))
	require.NoError(t, c.Shutdown(t.Context()))

	after := incidentRecords(second)
	require.Len(t, after, 2, "an update, then the close; no new incident")
	for _, ev := range after {
		require.Equal(t, before[0].Incident.ID, ev.Incident.ID, "the incident open at the crash continues")
	}
	closed := after[1].Incident
	require.Equal(t, unifiedevent.IncidentClosed, closed.State)
	require.Equal(t, []string{"oom-1", "oom-2", "oom-3"}, closed.MemberIDs)
}

// TestNoCheckpointLosesStateOnCrash is the same crash with checkpoints
// off: the incident splits, which is what the checkpoint prevents.
func TestNoCheckpointLosesStateOnCrash(t *testing.T) {
	dir := t.TempDir()
	set := connectortest.NewNopSettings(metadata.Type)
	newCfg := func() *Config {
		cfg := createDefaultConfig().(*Config)
		cfg.Storage = &storageID
		cfg.CheckpointInterval = 0
		return cfg
	}
	host, ext := startFileStorage(t, dir)
	c, err := NewFactory().CreateLogsToLogs(t.Context(), set, newCfg(), consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, c.Start(t.Context(), host))
	require.NoError(t, c.ConsumeLogs(t.Context(), batchOf(t, oomEvent("oom-1", "0s", "api"))))
	crash(t, c.(*correlator))
	require.NoError(t, ext.Shutdown(t.Context()))

	host, ext = startFileStorage(t, dir)
	defer func() { require.NoError(t, ext.Shutdown(context.Background())) }()
	c, err = NewFactory().CreateLogsToLogs(t.Context(), set, newCfg(), consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, c.Start(t.Context(), host))
	require.Zero(t, c.(*correlator).eng.Open())
	require.NoError(t, c.Shutdown(t.Context()))
}

// BenchmarkSnapshot is the cost of a checkpoint over 10,000 open
// incidents (with their oom_cascade candidates) with this many members
// each: "capture" is the copy taken under the connector's lock, the pause
// the input sees; "encode" is the rest, done beside the input.
func BenchmarkSnapshot(b *testing.B) {
	for _, members := range []int{1, 8, 64} {
		cfg := benchConfig()
		eng, err := newEngine(cfg)
		require.NoError(b, err)
		for m := range members {
			for w := range benchIncidents {
				eng.Process(engine.Input{Event: benchOOM(strconv.Itoa(m)+"/"+strconv.Itoa(w), w, benchStart)})
			}
		}
		eng.Drain()
		b.Run("members="+strconv.Itoa(members)+"/capture", func(b *testing.B) {
			for b.Loop() {
				eng.Capture()
			}
		})
		b.Run("members="+strconv.Itoa(members)+"/encode", func(b *testing.B) {
			c := eng.Capture()
			var size int
			for b.Loop() {
				snap, err := c.Encode()
				require.NoError(b, err)
				size = len(snap)
			}
			b.ReportMetric(float64(size), "bytes")
		})
	}
}
