package correlationconnector

import (
	"context"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/extension/xextension/storage"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/metadata"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// storageHost is a host whose only extension is a real file_storage.
type storageHost struct {
	component.Host
	exts map[component.ID]component.Component
}

func (h storageHost) GetExtensions() map[component.ID]component.Component { return h.exts }

var storageID = component.MustNewID("file_storage")

// startFileStorage runs the contrib file_storage extension on dir, as a
// collector restart would: a new instance over the same files.
func startFileStorage(t *testing.T, dir string) (storageHost, extension.Extension) {
	t.Helper()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = dir
	ext, err := f.Create(t.Context(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(t.Context(), componenttest.NewNopHost()))
	return storageHost{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{storageID: ext}}, ext
}

func incidentRecords(sink *consumertest.LogsSink) []*unifiedevent.Event {
	var out []*unifiedevent.Event
	for _, ld := range sink.AllLogs() {
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					if lr.EventName() == string(unifiedevent.NameIncident) {
						if ev, err := unifiedevent.FromLogRecord(lr); err == nil {
							out = append(out, ev)
						}
					}
				}
			}
		}
	}
	return out
}

func TestRestartDoesNotSplitIncident(t *testing.T) {
	dir := t.TempDir()
	cfg := createDefaultConfig().(*Config)
	cfg.Storage = &storageID
	set := connectortest.NewNopSettings(metadata.Type)

	host, ext := startFileStorage(t, dir)
	first := new(consumertest.LogsSink)
	c, err := NewFactory().CreateLogsToLogs(t.Context(), set, cfg, first)
	require.NoError(t, err)
	require.NoError(t, c.Start(t.Context(), host))
	require.NoError(t, c.ConsumeLogs(t.Context(), batchOf(t, oomEvent("oom-1", "0s", "api"), oomEvent("oom-2", "1m", "api"))))
	require.NoError(t, c.Shutdown(t.Context()))
	require.NoError(t, ext.Shutdown(t.Context()))
	before := incidentRecords(first)
	require.Len(t, before, 1)
	require.Equal(t, unifiedevent.IncidentOpened, before[0].Incident.State)

	host, ext = startFileStorage(t, dir)
	defer func() { require.NoError(t, ext.Shutdown(context.Background())) }()
	second := new(consumertest.LogsSink)
	c, err = NewFactory().CreateLogsToLogs(t.Context(), set, cfg, second)
	require.NoError(t, err)
	require.NoError(t, c.Start(t.Context(), host))
	require.NoError(t, c.ConsumeLogs(t.Context(), batchOf(t, oomEvent("oom-3", "2m", "api"))))
	c.(*correlator).advance(t.Context(), scenarioBase.Add(2*time.Hour))
	require.NoError(t, c.Shutdown(t.Context()))

	after := incidentRecords(second)
	require.Len(t, after, 2, "an update, then the close; no new incident")
	for _, ev := range after {
		require.Equal(t, before[0].Incident.ID, ev.Incident.ID, "the same incident continues")
	}
	require.Equal(t, unifiedevent.IncidentUpdated, after[0].Incident.State)
	closed := after[1].Incident
	require.Equal(t, unifiedevent.IncidentClosed, closed.State)
	require.Equal(t, []string{"oom-1", "oom-2", "oom-3"}, closed.MemberIDs)
	require.EqualValues(t, 3, closed.EventCount)
	require.Equal(t, "ns/api OOMKilled 3 times in 2m: memory limit reached by process java", after[1].Message)
}

func TestCorruptStateStartsEmpty(t *testing.T) {
	host, ext := startFileStorage(t, t.TempDir())
	defer func() { require.NoError(t, ext.Shutdown(context.Background())) }()
	set := connectortest.NewNopSettings(metadata.Type)
	client, err := ext.(storage.Extension).GetClient(t.Context(), component.KindConnector, set.ID, "logs")
	require.NoError(t, err)
	require.NoError(t, client.Set(t.Context(), stateKey, []byte(`{"version":1,"incidents":[{"rule":"oom","id":""}]`)))
	require.NoError(t, client.Close(t.Context()))

	cfg := createDefaultConfig().(*Config)
	cfg.Storage = &storageID
	c, err := NewFactory().CreateLogsToLogs(t.Context(), set, cfg, consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, c.Start(t.Context(), host), "a bad snapshot is dropped, not fatal")
	require.Zero(t, c.(*correlator).eng.Open())
	require.NoError(t, c.Shutdown(t.Context()))
}

func TestMissingStorageExtension(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Storage = &storageID
	c, err := NewFactory().CreateLogsToTraces(t.Context(), connectortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.NoError(t, err)
	require.ErrorContains(t, c.Start(t.Context(), componenttest.NewNopHost()), "extension not found")
	require.NoError(t, c.Shutdown(t.Context()))
}
