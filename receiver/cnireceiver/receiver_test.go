package cnireceiver

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/yairfalse/tapio/receiver/cnireceiver/internal/metadata"
	"github.com/yairfalse/tapio/receiver/cnireceiver/internal/metadatatest"
)

// settled checks that nothing more arrives for a few polls: a repeat shows
// up late, after the wanted set was already complete.
func (c *collector) settled(t *testing.T, n int) {
	t.Helper()
	assert.Never(t, func() bool { return c.count() != n }, 150*time.Millisecond, 10*time.Millisecond)
}

func TestAppendedLinesCarryTheRawContract(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cni.log")
	appendLines(t, path, lines("a", 0, 3)...)
	sink := new(consumertest.LogsSink)
	cfg := testConfig(dir)
	cfg.NodeName = "node-a"
	startReceiver(t, cfg, sink, nil)
	appendLines(t, path, lines("a", 3, 3)...)

	require.Eventually(t, func() bool { return sink.LogRecordCount() == 6 }, eventually, 5*time.Millisecond)
	host, err := os.Hostname()
	require.NoError(t, err)
	var got []string
	for _, ld := range sink.AllLogs() {
		rl := ld.ResourceLogs().At(0)
		assert.Equal(t, map[string]any{"host.name": host, "k8s.node.name": "node-a"}, rl.Resource().Attributes().AsRaw())
		sl := rl.ScopeLogs().At(0)
		assert.Equal(t, "github.com/yairfalse/tapio/receiver/cnireceiver", sl.Scope().Name())
		for _, lr := range sl.LogRecords().All() {
			assert.Equal(t, map[string]any{
				"tapio.source": "cni", "tapio.raw.kind": "cni.line", "tapio.raw.version": "1", "log.file.path": path,
			}, lr.Attributes().AsRaw())
			assert.Equal(t, pcommon.ValueTypeBytes, lr.Body().Type())
			assert.Zero(t, lr.Timestamp(), "the receiver does not parse lines, so it does not know when they happened")
			assert.NotZero(t, lr.ObservedTimestamp())
			got = append(got, string(lr.Body().Bytes().AsRaw()))
		}
	}
	assert.Equal(t, lines("a", 0, 6), got, "one file is read in order")
}

func TestStartAtEndSkipsWhatWasThere(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.log")
	appendLines(t, old, lines("before", 0, 5)...)
	c := &collector{t: t}
	cfg := testConfig(dir)
	cfg.StartAt = startAtEnd
	startReceiver(t, cfg, c, nil)
	c.firstPoll(t, old)
	appendLines(t, old, lines("after", 0, 2)...)
	c.waitFor(t, lines("after", 0, 2))
}

func TestMissingFileIsWaitedFor(t *testing.T) {
	dir := t.TempDir()
	c := &collector{t: t}
	cfg := testConfig(dir)
	cfg.Include = []string{filepath.Join(dir, "calico", "cni", "cni.log"), filepath.Join(dir, "probe.log")}
	cfg.StartAt = startAtEnd
	startReceiver(t, cfg, c, nil)
	c.firstPoll(t, filepath.Join(dir, "probe.log"))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "calico", "cni"), 0o700))
	appendLines(t, cfg.Include[0], lines("late", 0, 3)...)
	c.waitFor(t, lines("late", 0, 3))
}

func TestRotationByRename(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cni.log")
	c := &collector{t: t}
	startReceiver(t, testConfig(dir), c, nil)

	appendLines(t, path, lines("first", 0, 100)...)
	c.waitFor(t, lines("first", 0, 100))
	// Written and rotated away at once, as lumberjack does: the tail of
	// the old file is read through the handle kept from the last poll.
	appendLines(t, path, lines("first", 100, 50)...)
	require.NoError(t, os.Rename(path, filepath.Join(dir, "cni-2026-11-29T08-01-02.000.log.old")))
	appendLines(t, path, lines("second", 0, 50)...)

	want := concat(lines("first", 0, 150), lines("second", 0, 50))
	c.waitFor(t, want)
	c.settled(t, len(want))
}

func TestRotationByCopyTruncate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cni.log")
	c := &collector{t: t}
	cfg := testConfig(dir)
	// logrotate's copytruncate leaves cni.log.1; tailing it too is what
	// keeps lines written just before the copy.
	cfg.Include = []string{path + "*"}
	startReceiver(t, cfg, c, nil)

	appendLines(t, path, lines("first", 0, 100)...)
	c.waitFor(t, lines("first", 0, 100))
	appendLines(t, path, lines("first", 100, 50)...)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path+".1", data, 0o600))
	require.NoError(t, os.Truncate(path, 0))
	appendLines(t, path, lines("second", 0, 50)...)

	want := concat(lines("first", 0, 150), lines("second", 0, 50))
	c.waitFor(t, want)
	c.settled(t, len(want))
}

func TestTruncatedInPlace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cni.log")
	c := &collector{t: t}
	startReceiver(t, testConfig(dir), c, nil)

	appendLines(t, path, lines("first", 0, 20)...)
	c.waitFor(t, lines("first", 0, 20))
	require.NoError(t, os.Truncate(path, 0))
	appendLines(t, path, lines("second", 0, 5)...)
	want := concat(lines("first", 0, 20), lines("second", 0, 5))
	c.waitFor(t, want)
	c.settled(t, len(want))
}

func TestDeletedAndRecreated(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cni.log")
	c := &collector{t: t}
	startReceiver(t, testConfig(dir), c, nil)

	appendLines(t, path, lines("first", 0, 10)...)
	c.waitFor(t, lines("first", 0, 10))
	require.NoError(t, os.Remove(path))
	appendLines(t, path, lines("second", 0, 10)...)
	want := concat(lines("first", 0, 10), lines("second", 0, 10))
	c.waitFor(t, want)
	c.settled(t, len(want))
}

// gate is a consumer that holds its first batch until released, so a test
// can change the file while the receiver is in the middle of it.
type gate struct {
	*collector
	entered, release chan struct{}
	once             bool
}

func (g *gate) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	if !g.once {
		g.once = true
		close(g.entered)
		<-g.release
	}
	return g.collector.ConsumeLogs(ctx, ld)
}

func TestDeletedWhileRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cni.log")
	g := &gate{collector: &collector{t: t}, entered: make(chan struct{}), release: make(chan struct{})}
	startReceiver(t, testConfig(dir), g, nil)

	appendLines(t, path, lines("x", 0, 1000)...)
	<-g.entered
	// The file consumer holds the file open, so what is left in it is still
	// read after the name is gone.
	require.NoError(t, os.Remove(path))
	close(g.release)
	g.waitFor(t, lines("x", 0, 1000))
}

func TestLateFileIsReadFromItsBeginning(t *testing.T) {
	dir := t.TempDir()
	c := &collector{t: t}
	cfg := testConfig(dir)
	cfg.StartAt = startAtEnd
	startReceiver(t, cfg, c, nil)
	c.firstPoll(t, filepath.Join(dir, "probe.log"))
	appendLines(t, filepath.Join(dir, "multus.log"), lines("m", 0, 4)...)
	appendLines(t, filepath.Join(dir, "cilium-cni.log"), lines("c", 0, 4)...)
	c.waitFor(t, concat(lines("m", 0, 4), lines("c", 0, 4)))
}

func TestBytesPassThroughUnchanged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cni.log")
	garbage := "\x00\x01\x02\xff\xfe\x7f binary\tgarbage \x1b[31m"
	invalid := "2026-11-29T08:01:02Z [error] bad bytes \xc3\x28 \xa0\xa1 \xf0\x28\x8c\xbc"
	jsonBad := `{"level":"error","msg":"` + "\xed\xa0\x80" + `"}`
	crlf := "level=info msg=\"windows line end\""
	c := &collector{t: t}
	startReceiver(t, testConfig(dir), c, nil)
	// The garbage opens the file, so it is an entry of its own; the rest
	// start entries with a recognised prefix.
	appendLines(t, path, garbage, invalid, jsonBad, crlf+"\r")
	c.waitFor(t, []string{garbage, invalid, jsonBad, crlf})
}

func TestGoPanicIsOneRecord(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cni.log")
	before := `time="2026-11-29T08:01:02Z" level=info msg="Processing CNI ADD request" containerID=5e1c8b7a`
	panicEntry := strings.Join([]string{
		"panic: runtime error: invalid memory address or nil pointer dereference",
		"[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x5d4f1a]",
		"",
		"goroutine 1 [running]:",
		"main.cmdAdd(0xc0000a2000)",
		"\t/go/src/github.com/containernetworking/plugins/plugins/main/bridge/bridge.go:412 +0x1d",
		"github.com/containernetworking/cni/pkg/skel.(*dispatcher).checkVersionAndCall(...)",
		"\t/go/pkg/mod/github.com/containernetworking/cni@v1.2.3/pkg/skel/skel.go:166 +0x12",
		"main.main()",
		"\t/go/src/github.com/containernetworking/plugins/plugins/main/bridge/bridge.go:600 +0x45",
	}, "\n")
	after := `I1129 08:01:03.000000    4321 plugin.go:88] "Processing CNI DEL request"`
	c := &collector{t: t}
	startReceiver(t, testConfig(dir), c, nil)
	appendLines(t, path, before, panicEntry, after)
	c.waitFor(t, []string{before, panicEntry, after})
}

func TestLongEntryIsCutAndCounted(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cni.log")
	long := "2026-11-29T08:01:02Z [error] " + strings.Repeat("0123456789", 1<<20) // 10 MiB
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	c := &collector{t: t}
	cfg := testConfig(dir)
	startWithSettings(t, cfg, c, nil, metadatatest.NewSettings(tel))

	fits := "2026-11-29T08:01:02Z [verbose] " + strings.Repeat("x", int(cfg.MaxEntrySize)-31)
	require.Len(t, fits, int(cfg.MaxEntrySize))
	after := lines("after", 0, 2)
	appendLines(t, path, concat([]string{long, fits}, after)...)
	want := concat([]string{long[:cfg.MaxEntrySize], fits}, after)
	c.waitFor(t, want)

	var size int64
	for _, e := range want {
		size += int64(len(e))
	}
	// The counters move once the batch is handed over, just after the
	// collector has it.
	require.Eventually(t, func() bool {
		m, err := tel.GetMetric("otelcol.tapio_cni.entries.read")
		if err != nil {
			return false
		}
		sum, ok := m.Data.(metricdata.Sum[int64])
		return ok && len(sum.DataPoints) == 1 && sum.DataPoints[0].Value == 4
	}, eventually, 5*time.Millisecond)
	metadatatest.AssertEqualTapioCniEntriesTruncated(t, tel, []metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualTapioCniEntriesRead(t, tel, []metricdata.DataPoint[int64]{{Value: 4}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualTapioCniBytesRead(t, tel, []metricdata.DataPoint[int64]{{Value: size}}, metricdatatest.IgnoreTimestamp())
}

func TestShutdownBeforeStartAndTwice(t *testing.T) {
	r, err := NewFactory().CreateLogs(t.Context(), receivertest.NewNopSettings(metadata.Type), testConfig(t.TempDir()), consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, r.Shutdown(t.Context()))
	require.NoError(t, r.Shutdown(t.Context()))
}
