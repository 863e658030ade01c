package correlationconnector

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/engine"
	"github.com/yairfalse/tapio/connector/correlationconnector/internal/metadata"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// The crash is a real one: a child process (this test binary, running
// TestHelperCrashChild) starts the connector on file storage, feeds it and reports
// each checkpoint; the parent SIGKILLs it, so nothing runs at exit, and
// restarts on the same directory.
const crashDirEnv, crashIntervalEnv = "TAPIO_CRASH_DIR", "TAPIO_CRASH_CHECKPOINT"

// crashSettings name the connector alike in both processes: the storage
// client is keyed by the component id, which NewNopSettings makes unique.
func crashSettings() connector.Settings {
	set := connectortest.NewNopSettings(metadata.Type)
	set.ID = component.NewIDWithName(metadata.Type, "crash")
	return set
}

func TestHelperCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Log("runs only as the child of the crash tests")
		return
	}
	every, err := time.ParseDuration(os.Getenv(crashIntervalEnv))
	require.NoError(t, err)
	host, _ := startFileStorage(t, dir)
	cfg := createDefaultConfig().(*Config)
	cfg.Storage, cfg.CheckpointInterval = &storageID, every
	c, err := NewFactory().CreateLogsToLogs(context.Background(), crashSettings(), cfg, consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, c.Start(context.Background(), host))
	require.NoError(t, c.ConsumeLogs(context.Background(), batchOf(t, oomEvent("oom-1", "0s", "api"), oomEvent("oom-2", "1m", "api"))))
	fmt.Println("FED")
	for saved := int64(0); ; time.Sleep(time.Millisecond) {
		if n := c.(*correlator).checkpoints.Load(); n > saved {
			saved = n
			fmt.Println("CHECKPOINT")
		}
	}
}

// killAfter runs the child and SIGKILLs it once it printed line.
func killAfter(t *testing.T, dir string, every time.Duration, line string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashIntervalEnv+"="+every.String())
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	// A child that never prints line is killed too, so the test fails
	// instead of hanging.
	timer := time.AfterFunc(time.Minute, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	sc := bufio.NewScanner(out)
	seen := false
	for !seen && sc.Scan() {
		seen = sc.Text() == line
	}
	require.True(t, seen, "the child never printed %s", line)
	require.NoError(t, cmd.Process.Kill())
	require.Error(t, cmd.Wait(), "killed, not exited")
}

// restart starts a connector on dir as a collector after a crash does.
func restart(t *testing.T, dir string, sink *consumertest.LogsSink) (*correlator, func()) {
	t.Helper()
	host, ext := startFileStorage(t, dir)
	cfg := createDefaultConfig().(*Config)
	cfg.Storage = &storageID
	c, err := NewFactory().CreateLogsToLogs(t.Context(), crashSettings(), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, c.Start(t.Context(), host))
	return c.(*correlator), func() {
		require.NoError(t, c.Shutdown(context.Background()))
		require.NoError(t, ext.Shutdown(context.Background()))
	}
}

func TestKillRestoresLastCheckpoint(t *testing.T) {
	dir := t.TempDir()
	killAfter(t, dir, 10*time.Millisecond, "CHECKPOINT")

	sink := new(consumertest.LogsSink)
	c, stop := restart(t, dir, sink)
	require.Equal(t, 1, c.eng.Open(), "the OOM incident open at the kill came back")
	require.NoError(t, c.ConsumeLogs(t.Context(), batchOf(t, oomEvent("oom-3", "2m", "api"))))
	c.advance(t.Context(), scenarioBase.Add(2*time.Hour))
	stop()

	recs := incidentRecords(sink)
	require.Len(t, recs, 2, "an update, then the close; no new incident")
	require.Equal(t, unifiedevent.IncidentUpdated, recs[0].Incident.State, "the incident open at the kill continues")
	closed := recs[1].Incident
	require.Equal(t, recs[0].Incident.ID, closed.ID)
	require.Equal(t, unifiedevent.IncidentClosed, closed.State)
	require.Equal(t, []string{"oom-1", "oom-2", "oom-3"}, closed.MemberIDs)
}

// TestKillWithoutCheckpointsLosesState is the same kill with checkpoints
// off: the restarted connector starts empty, which is what the
// checkpoint prevents.
func TestKillWithoutCheckpointsLosesState(t *testing.T) {
	dir := t.TempDir()
	killAfter(t, dir, 0, "FED")
	c, stop := restart(t, dir, new(consumertest.LogsSink))
	defer stop()
	require.Zero(t, c.eng.Open())
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
