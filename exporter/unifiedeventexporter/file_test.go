package unifiedeventexporter

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/yairfalse/tapio/exporter/unifiedeventexporter/internal/metadata"
	"github.com/yairfalse/tapio/exporter/unifiedeventexporter/internal/metadatatest"
)

func fileConfig(path string, rotation RotationConfig) *Config {
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	cfg.File = configoptional.Some(FileConfig{Path: path, Rotation: rotation})
	cfg.HTTP = configoptional.None[HTTPConfig]()
	return cfg
}

func startLogs(t *testing.T, set exporter.Settings, cfg *Config) exporter.Logs {
	t.Helper()
	require.NoError(t, cfg.Validate())
	exp, err := NewFactory().CreateLogs(t.Context(), set, cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(t.Context(), componenttest.NewNopHost()))
	return exp
}

// readAll reads the file and its rotated backups.
func readAll(t *testing.T, dir string) (data []byte, files []string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		data = append(data, b...)
		files = append(files, e.Name())
	}
	sort.Strings(files)
	return data, files
}

func TestFileWritesEveryEventOnce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nested", "events.jsonl")
	exp := startLogs(t, exportertest.NewNopSettings(metadata.Type), fileConfig(path, RotationConfig{}))
	for b := 0; b < 20; b++ {
		require.NoError(t, exp.ConsumeLogs(t.Context(), testLogs(b*50, 50)))
	}
	// Shutdown drains the in-memory queue into the file.
	require.NoError(t, exp.Shutdown(t.Context()))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	requireExactlyOnce(t, idCounts(parseLines(t, data)), 0, 1000)
}

func TestFileRotatesWithoutSplittingLines(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	// About 700 bytes an event: 6000 events are about 4 MB, four or five
	// files of at most 1 MB.
	exp := startLogs(t, exportertest.NewNopSettings(metadata.Type), fileConfig(path, RotationConfig{MaxMegabytes: 1}))
	const batches, per = 30, 200
	for b := 0; b < batches; b++ {
		require.NoError(t, exp.ConsumeLogs(t.Context(), testLogs(b*per, per)))
	}
	require.NoError(t, exp.Shutdown(t.Context()))

	data, files := readAll(t, dir)
	require.GreaterOrEqual(t, len(files), 4, "files: %v", files)
	for _, f := range files {
		st, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err)
		assert.LessOrEqual(t, st.Size(), int64(megabyte), f)
	}
	// parseLines fails on a line cut in two by a rotation.
	requireExactlyOnce(t, idCounts(parseLines(t, data)), 0, batches*per)
}

// TestFileRotatesByAge: a quiet file is still handed over once it is
// interval old, at the next write.
func TestFileRotatesByAge(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	exp := startLogs(t, exportertest.NewNopSettings(metadata.Type), fileConfig(path, RotationConfig{Interval: 50 * time.Millisecond}))
	sent := 0
	require.Eventually(t, func() bool {
		require.NoError(t, exp.ConsumeLogs(t.Context(), testLogs(sent, 10)))
		sent += 10
		// Names only: the file may be mid-rotation while the queue writes.
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		return len(entries) >= 2
	}, 10*time.Second, 20*time.Millisecond)
	require.NoError(t, exp.Shutdown(t.Context()))
	data, files := readAll(t, dir)
	require.GreaterOrEqual(t, len(files), 2)
	requireExactlyOnce(t, idCounts(parseLines(t, data)), 0, sent)
}

func TestFileKeepsMaxBackups(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	exp := startLogs(t, exportertest.NewNopSettings(metadata.Type), fileConfig(path, RotationConfig{MaxMegabytes: 1, MaxBackups: 1}))
	for b := 0; b < 30; b++ {
		require.NoError(t, exp.ConsumeLogs(t.Context(), testLogs(b*200, 200)))
	}
	// Shutdown waits for timberjack's cleanup of old backups.
	require.NoError(t, exp.Shutdown(t.Context()))
	_, files := readAll(t, dir)
	assert.Len(t, files, 2, "the file and one backup: %v", files)
}

func TestFileSplitsBatchLargerThanFile(t *testing.T) {
	dir := t.TempDir()
	s := newFileSink(&FileConfig{Path: filepath.Join(dir, "events.jsonl"), Rotation: RotationConfig{MaxMegabytes: 1}})
	require.NoError(t, s.start(t.Context(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, s.shutdown(t.Context())) })
	e := &unifiedExporter{}
	lines, n, _ := e.encode(nil, testLogs(0, 4000))
	require.Greater(t, len(lines), 2*megabyte, "one batch spans several files")
	require.NoError(t, s.write(t.Context(), lines))
	require.NoError(t, s.shutdown(t.Context()))
	data, files := readAll(t, dir)
	require.GreaterOrEqual(t, len(files), 3)
	requireExactlyOnce(t, idCounts(parseLines(t, data)), 0, int(n))
}

func TestFileLineLargerThanFileIsPermanent(t *testing.T) {
	s := newFileSink(&FileConfig{Path: filepath.Join(t.TempDir(), "events.jsonl"), Rotation: RotationConfig{MaxMegabytes: 1}})
	require.NoError(t, s.start(t.Context(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, s.shutdown(t.Context())) })
	huge := make([]byte, megabyte+10)
	for i := range huge {
		huge[i] = 'x'
	}
	huge[len(huge)-1] = '\n'
	err := s.write(t.Context(), huge)
	require.ErrorIs(t, err, errLineTooLarge)
}

func TestFileStartFailsOnUnwritablePath(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o600))
	cfg := fileConfig(filepath.Join(blocker, "events.jsonl"), RotationConfig{})
	exp, err := NewFactory().CreateLogs(t.Context(), exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	require.ErrorContains(t, exp.Start(t.Context(), componenttest.NewNopHost()), "file sink")
	require.NoError(t, exp.Shutdown(t.Context()))
}

// TestSkipsAndCountsRecordsThatAreNotUnifiedEvents: raw receiver records,
// other schema versions and broken events never reach the file, and each
// is counted by reason.
func TestSkipsAndCountsRecordsThatAreNotUnifiedEvents(t *testing.T) {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	path := filepath.Join(t.TempDir(), "events.jsonl")
	cfg := fileConfig(path, RotationConfig{})
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	exp := startLogs(t, metadatatest.NewSettings(tt), cfg)

	ld := testLogs(0, 3)
	lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	raw := lrs.AppendEmpty()
	raw.Body().SetEmptyBytes().FromRaw([]byte("raw payload"))
	raw.Attributes().PutStr("tapio.source", "cni")
	future := lrs.AppendEmpty()
	testEvent(3).WriteTo(future)
	future.Attributes().PutStr("tapio.schema.version", "2")
	broken := lrs.AppendEmpty()
	testEvent(4).WriteTo(broken)
	broken.Attributes().Remove("tapio.event.id")
	onlyRaw := plog.NewLogs()
	raw.CopyTo(onlyRaw.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty())

	require.NoError(t, exp.ConsumeLogs(t.Context(), ld))
	require.NoError(t, exp.ConsumeLogs(t.Context(), onlyRaw))
	require.NoError(t, exp.Shutdown(t.Context()))

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	requireExactlyOnce(t, idCounts(parseLines(t, data)), 0, 3)
	metadatatest.AssertEqualTapioUnifiedEventRecordsSkipped(t, tt, []metricdata.DataPoint[int64]{
		{Value: 2, Attributes: attribute.NewSet(attribute.String("reason", reasonNotUnifiedEvent))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("reason", reasonUnsupportedVersion))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("reason", reasonMalformed))},
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	metadatatest.AssertEqualTapioUnifiedEventEventsWritten(t, tt, []metricdata.DataPoint[int64]{
		{Value: 3, Attributes: attribute.NewSet(attribute.String("sink", "file"))},
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

func TestShutdownBeforeStartAndTwice(t *testing.T) {
	cfg := fileConfig(filepath.Join(t.TempDir(), "events.jsonl"), RotationConfig{})
	exp, err := NewFactory().CreateLogs(t.Context(), exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Shutdown(t.Context()))
	require.NoError(t, exp.Shutdown(t.Context()))

	exp = startLogs(t, exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, exp.Shutdown(t.Context()))
	require.NoError(t, exp.Shutdown(t.Context()))
}
