package systemdreceiver

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/internal/systemdtest"
	"github.com/yairfalse/tapio/internal/testkit"
	"github.com/yairfalse/tapio/receiver/systemdreceiver/internal/metadatatest"
	"github.com/yairfalse/tapio/receiver/systemdreceiver/internal/unitwatch"
)

// Waits against the real systemd: generous for a loaded CI machine, while
// a passing run takes a fraction of it.
const (
	waitFor = 20 * time.Second
	tick    = 20 * time.Millisecond
)

// configFor watches units on the container m, with a quick reconnect so
// gap tests do not wait on the production backoff.
func configFor(m *systemdtest.Machine, units ...string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.BusAddress = m.BusAddress
	cfg.Units = units
	cfg.Journal.Directory = m.JournalDir
	cfg.Reconnect = BackoffConfig{InitialInterval: 50 * time.Millisecond, MaxInterval: 500 * time.Millisecond}
	return cfg
}

// run starts a receiver and shuts it down when the test ends.
func run(t *testing.T, cfg *Config, next consumer.Logs, host component.Host) (*systemdReceiver, *componenttest.Telemetry) {
	t.Helper()
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	set := metadatatest.NewSettings(tt)
	set.Logger = zaptest.NewLogger(t, zaptest.Level(zap.InfoLevel))
	r, err := newSystemdReceiver(set, cfg, next)
	require.NoError(t, err)
	if host == nil {
		host = componenttest.NewNopHost()
	}
	require.NoError(t, r.Start(t.Context(), host))
	t.Cleanup(func() { require.NoError(t, r.Shutdown(context.Background())) })
	return r, tt
}

func records(sink *consumertest.LogsSink, kind string) []plog.LogRecord {
	var out []plog.LogRecord
	for _, lr := range testkit.LogRecords(sink.AllLogs()...) {
		if v, _ := lr.Attributes().Get(rawrecord.AttrKind); v.Str() == kind {
			out = append(out, lr)
		}
	}
	return out
}

// states returns the unit.state payloads of one unit, in order.
func states(t *testing.T, sink *consumertest.LogsSink, unit string) []unitwatch.Payload {
	var out []unitwatch.Payload
	for _, lr := range records(sink, kindUnitState) {
		var p unitwatch.Payload
		require.NoError(t, json.Unmarshal(lr.Body().Bytes().AsRaw(), &p))
		if p.Unit == unit {
			out = append(out, p)
		}
	}
	return out
}

// entries returns the journal entries (as journalctl wrote them) whose
// _SYSTEMD_UNIT or UNIT starts with prefix.
func entries(t *testing.T, sink *consumertest.LogsSink, prefix string) []map[string]any {
	var out []map[string]any
	for _, lr := range records(sink, kindJournalEntry) {
		var e map[string]any
		require.NoError(t, json.Unmarshal(lr.Body().Bytes().AsRaw(), &e))
		u1, _ := e["_SYSTEMD_UNIT"].(string)
		u2, _ := e["UNIT"].(string)
		if strings.HasPrefix(u1, prefix) || strings.HasPrefix(u2, prefix) {
			out = append(out, e)
		}
	}
	return out
}

// messages lists the MESSAGE of entries that start with prefix.
func messages(es []map[string]any, prefix string) []string {
	var out []string
	for _, e := range es {
		if m, _ := e["MESSAGE"].(string); strings.HasPrefix(m, prefix) {
			out = append(out, m)
		}
	}
	return out
}

func activeStates(ps []unitwatch.Payload) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Properties.ActiveState)
	}
	return out
}

// losses returns the loss records' payloads.
func losses(t *testing.T, sink *consumertest.LogsSink) []rawrecord.Loss {
	var out []rawrecord.Loss
	for _, lr := range records(sink, rawrecord.KindLoss) {
		l, err := rawrecord.ParseLoss(lr.Body().Bytes().AsRaw())
		require.NoError(t, err)
		out = append(out, l)
	}
	return out
}

// counter sums a monotonic counter's data points, 0 before its first use.
func counter(tt *componenttest.Telemetry, name string) int64 {
	m, err := tt.GetMetric(name)
	if err != nil {
		return 0
	}
	var n int64
	if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
		for _, dp := range sum.DataPoints {
			n += dp.Value
		}
	}
	return n
}
