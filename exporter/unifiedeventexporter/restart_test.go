package unifiedeventexporter

import (
	"os"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.uber.org/zap/zaptest"

	"github.com/yairfalse/tapio/exporter/unifiedeventexporter/internal/metadata"
)

// collectorRun is one life of a collector: a file_storage extension on
// dir and the exporter using it for its persistent queue.
type collectorRun struct {
	storage component.Component
	exp     exporter.Logs
}

func startCollector(t *testing.T, dir, url string) *collectorRun {
	t.Helper()
	f := filestorage.NewFactory()
	scfg := f.CreateDefaultConfig().(*filestorage.Config)
	scfg.Directory = dir
	scfg.Compaction.Directory = dir
	// A restarted collector keeps the ids its config gives; the test
	// settings would pick random ones, and the queue is stored under them.
	storageID := component.NewID(f.Type())
	sset := extensiontest.NewNopSettings(f.Type())
	sset.ID = storageID
	storage, err := f.Create(t.Context(), sset, scfg)
	require.NoError(t, err)
	require.NoError(t, storage.Start(t.Context(), componenttest.NewNopHost()))

	cfg := httpConfig(url, EncodingJSONLines)
	q := cfg.QueueConfig.Get()
	q.StorageID = &storageID
	// One consumer sends the queue in order, so "the first three batches
	// were delivered" means the same three batches on every run.
	q.NumConsumers = 1
	require.NoError(t, cfg.Validate())
	require.NoError(t, q.Validate())

	set := exportertest.NewNopSettings(metadata.Type)
	set.ID = component.NewID(metadata.Type)
	set.Logger = zaptest.NewLogger(t)
	exp, err := NewFactory().CreateLogs(t.Context(), set, cfg)
	require.NoError(t, err)
	host := hostWithExtensions{ext: map[component.ID]component.Component{storageID: storage}}
	require.NoError(t, exp.Start(t.Context(), host))
	return &collectorRun{storage: storage, exp: exp}
}

func (c *collectorRun) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, c.exp.Shutdown(t.Context()))
	require.NoError(t, c.storage.Shutdown(t.Context()))
}

// TestPersistentQueueRestartNothingLostNothingDuplicated: the backend takes
// three batches and then fails; the collector is shut down with the rest
// still queued and a new one is started on the same storage folder. The
// new one sends exactly the batches the first did not deliver.
func TestPersistentQueueRestartNothingLostNothingDuplicated(t *testing.T) {
	dir := t.TempDir()
	srv := newEventServer(t, func(n int64) action {
		if n <= 3 {
			return accept
		}
		return fail
	})

	const batches, per = 10, 20
	first := startCollector(t, dir, srv.srv.URL)
	for b := 0; b < batches; b++ {
		require.NoError(t, first.exp.ConsumeLogs(t.Context(), testLogs(b*per, per)))
	}
	// The fourth batch is being retried against the failing backend.
	require.Eventually(t, func() bool { return srv.failed.Load() >= 3 }, 10*time.Second, 5*time.Millisecond)
	first.stop(t)

	delivered := srv.snapshot()
	requireExactlyOnce(t, delivered, 0, 3*per)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.NotEmpty(t, entries, "the queue lives in the storage folder")

	// The backend recovers; a new collector starts on the same storage.
	srv.setPlan(func(int64) action { return accept })
	second := startCollector(t, dir, srv.srv.URL)
	require.Eventually(t, func() bool { return srv.seenAll(0, batches*per) }, 10*time.Second, 5*time.Millisecond)
	second.stop(t)

	requireExactlyOnce(t, srv.snapshot(), 0, batches*per)
	assert.Positive(t, srv.failed.Load())
}
