package cnireceiver

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/yairfalse/tapio/receiver/cnireceiver/internal/metadata"
)

// storageHost offers extensions to the receiver as the collector does.
type storageHost struct {
	component.Host
	extensions map[component.ID]component.Component
}

func (h storageHost) GetExtensions() map[component.ID]component.Component { return h.extensions }

// startFileStorage runs the real contrib file_storage extension on a
// temporary folder, as an agent would on a hostPath.
func startFileStorage(t *testing.T) (component.Host, component.ID) {
	t.Helper()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = t.TempDir()
	cfg.Compaction.Directory = cfg.Directory
	ext, err := f.Create(t.Context(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	host := componenttest.NewNopHost()
	require.NoError(t, ext.Start(t.Context(), host))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	id := component.NewID(f.Type())
	return storageHost{Host: host, extensions: map[component.ID]component.Component{id: ext}}, id
}

// run is one life of the receiver: started, then stopped by the caller.
func run(t *testing.T, cfg *Config, c *collector, host component.Host) func() {
	t.Helper()
	set := receivertest.NewNopSettings(metadata.Type)
	// The same component ID across restarts, as a collector's config gives
	// it: the storage client is keyed by it.
	set.ID = component.NewID(metadata.Type)
	r, err := NewFactory().CreateLogs(t.Context(), set, cfg, c)
	require.NoError(t, err)
	require.NoError(t, r.Start(t.Context(), host))
	return func() { require.NoError(t, r.Shutdown(context.Background())) }
}

// The collector is stopped, the files change while it is down (appended,
// rotated by rename within the globs, a new file), and a new collector
// with the same storage resumes: every line arrives exactly once, although
// start_at is end.
func TestRestartResumesFromTheCheckpoint(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cni.log")
	host, storageID := startFileStorage(t)
	cfg := testConfig(dir)
	cfg.StartAt = startAtEnd
	cfg.StorageID = &storageID
	c := &collector{t: t}

	stop := run(t, cfg, c, host)
	c.firstPoll(t, path)
	appendLines(t, path, lines("up", 0, 100)...)
	c.waitFor(t, lines("up", 0, 100))
	stop()

	appendLines(t, path, lines("down", 0, 50)...)
	require.NoError(t, os.Rename(path, filepath.Join(dir, "cni-1.log")))
	appendLines(t, path, lines("down-new", 0, 25)...)
	appendLines(t, filepath.Join(dir, "multus.log"), lines("down-multus", 0, 25)...)

	stop = run(t, cfg, c, host)
	defer stop()
	want := concat(lines("up", 0, 100), lines("down", 0, 50), lines("down-new", 0, 25), lines("down-multus", 0, 25))
	c.waitFor(t, want)
	c.settled(t, len(want))
}

// Restarts while a writer appends: nothing written is lost or repeated.
func TestRestartWhileWriting(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cni.log")
	host, storageID := startFileStorage(t)
	cfg := testConfig(dir)
	cfg.StorageID = &storageID
	c := &collector{t: t}

	const chunks, perChunk = 40, 250
	var wg sync.WaitGroup
	written := make(chan int, chunks)
	wg.Go(func() {
		for i := range chunks {
			appendLines(t, path, lines("w", i*perChunk, perChunk)...)
			written <- i
		}
		close(written)
	})
	stop := run(t, cfg, c, host)
	for i := range written {
		if i%10 == 5 {
			// Stop once reading is under way, so the checkpoint matters.
			require.Eventually(t, func() bool { return c.count() >= (i-1)*perChunk }, eventually, time.Millisecond)
			stop()
			stop = run(t, cfg, c, host)
		}
	}
	wg.Wait()
	defer stop()
	want := lines("w", 0, chunks*perChunk)
	c.waitFor(t, want)
	c.settled(t, len(want))
}
