package cnireceiver

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/receiver/cnireceiver/internal/metadata"
)

// eventually is how long a test waits for records: generous, since CI
// machines are shared, and paid only when something is wrong.
const eventually = 15 * time.Second

// testConfig polls fast so that tests finish quickly; it tails dir/*.log
// from the beginning unless a test says otherwise.
func testConfig(dir string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Include = []string{filepath.Join(dir, "*.log")}
	cfg.StartAt = startAtBeginning
	cfg.PollInterval = 10 * time.Millisecond
	cfg.ForceFlushPeriod = 50 * time.Millisecond
	return cfg
}

// entry is one emitted cni.line record, reduced to what tests compare.
type entry struct {
	path string
	body string
}

// collector is a consumer that keeps every cni.line entry and every loss
// record it is given.
type collector struct {
	mu      sync.Mutex
	entries []entry
	losses  []rawrecord.Loss
	t       *testing.T
	// probes counts the entries written by firstPoll, kept apart.
	probes int
}

func (c *collector) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (c *collector) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				kind, _ := lr.Attributes().Get(rawrecord.AttrKind)
				if kind.Str() == rawrecord.KindLoss {
					l, err := rawrecord.ParseLoss(lr.Body().Bytes().AsRaw())
					require.NoError(c.t, err)
					c.losses = append(c.losses, l)
					continue
				}
				path, _ := lr.Attributes().Get(attrFilePath)
				if strings.Contains(string(lr.Body().Bytes().AsRaw()), probeMark) {
					c.probes++
					continue
				}
				c.entries = append(c.entries, entry{path: path.Str(), body: string(lr.Body().Bytes().AsRaw())})
			}
		}
	}
	return nil
}

func (c *collector) bodies() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, len(c.entries))
	for i, e := range c.entries {
		out[i] = e.body
	}
	return out
}

const probeMark = "tapio-test-probe"

// firstPoll returns once the receiver has polled: with start_at end, the
// files there at the first poll are read from their end and the later ones
// from their beginning, and a test must know which side of it it writes on.
// It appends probes to a file present at start until one is read.
func (c *collector) firstPoll(t *testing.T, path string) {
	t.Helper()
	i := 0
	require.Eventually(t, func() bool {
		c.mu.Lock()
		seen := c.probes > 0
		c.mu.Unlock()
		if !seen {
			appendLines(t, path, fmt.Sprintf("2026-11-29T08:01:02Z [verbose] %s %d", probeMark, i))
			i++
		}
		return seen
	}, eventually, 20*time.Millisecond)
}

func (c *collector) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// waitFor waits until the collector holds exactly want, in any order, and
// fails with the difference otherwise. Every wanted entry must be distinct,
// so a repeat shows up as a difference.
func (c *collector) waitFor(t *testing.T, want []string) {
	t.Helper()
	want = slices.Sorted(slices.Values(want))
	sorted := func() []string { return slices.Sorted(slices.Values(c.bodies())) }
	// assert rather than require, so that a timeout goes on to report
	// the precise difference.
	if !assert.Eventually(t, func() bool { return slices.Equal(sorted(), want) }, eventually, 5*time.Millisecond) {
		got := sorted()
		require.Equal(t, len(want), len(got), "entry count")
		require.Equal(t, want, got)
	}
}

func startReceiver(t *testing.T, cfg *Config, next consumer.Logs, host component.Host) receiver.Logs {
	t.Helper()
	return startWithSettings(t, cfg, next, host, receivertest.NewNopSettings(metadata.Type))
}

func startWithSettings(t *testing.T, cfg *Config, next consumer.Logs, host component.Host, set receiver.Settings) receiver.Logs {
	t.Helper()
	require.NoError(t, cfg.Validate())
	r, err := NewFactory().CreateLogs(t.Context(), set, cfg, next)
	require.NoError(t, err)
	if host == nil {
		host = componenttest.NewNopHost()
	}
	require.NoError(t, r.Start(t.Context(), host))
	t.Cleanup(func() { require.NoError(t, r.Shutdown(context.Background())) })
	return r
}

// lines makes n distinct entries in the Calico shape, each naming its
// prefix and number so that a lost or repeated one is easy to spot.
func lines(prefix string, from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("2026-11-29 08:01:02.345 [INFO][1234] cni-plugin/plugin.go 123: %s line %d ContainerID=\"c%d\"", prefix, from+i, from+i)
	}
	return out
}

func appendLines(t *testing.T, path string, ls ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	require.NoError(t, err)
	var buf []byte
	for _, l := range ls {
		buf = append(buf, l...)
		buf = append(buf, '\n')
	}
	_, err = f.Write(buf)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

func concat(parts ...[]string) []string {
	return slices.Concat(parts...)
}
