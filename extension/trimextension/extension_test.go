package trimextension

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensioncapabilities"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/yairfalse/tapio/extension/trimextension/internal/metadata"
)

// TestReadyGivesBackStartUpMemory runs the extension as the collector
// does (Start, Ready, Shutdown) in this test process, after a start-up's
// worth of garbage, and checks the report: the executable was paged out
// and the resident set fell.
func TestReadyGivesBackStartUpMemory(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	set := extensiontest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	ext, err := NewFactory().Create(t.Context(), set, createDefaultConfig())
	require.NoError(t, err)
	require.NoError(t, ext.Start(t.Context(), componenttest.NewNopHost()))

	makeGarbage()

	require.NoError(t, ext.(extensioncapabilities.PipelineWatcher).Ready())
	require.NoError(t, ext.Shutdown(context.Background()), "Shutdown waits for the trim")

	require.Empty(t, logs.FilterLevelExact(zapcore.WarnLevel).All())
	gave := logs.FilterMessage("Gave back start-up memory").All()
	require.Len(t, gave, 1)
	fields := gave[0].ContextMap()
	t.Logf("report: %v", fields)
	assert.GreaterOrEqual(t, fields["executable_mappings"], int64(2))
}

// TestTrimLowersTheResidentSet is the trim's own figures: file-backed
// pages paged out and the free heap returned.
func TestTrimLowersTheResidentSet(t *testing.T) {
	e := newTrimExtension(&Config{Executable: true, Heap: true}, zap.NewNop())
	makeGarbage()
	r := e.trim()
	require.NoError(t, r.executableErr)
	t.Logf("file-backed %s -> %s, anonymous %s -> %s in %s", mib(r.before.file), mib(r.after.file), mib(r.before.anon), mib(r.after.anon), r.took)
	assert.Less(t, r.after.file, r.before.file)
	assert.Less(t, r.after.anon, r.before.anon)
}

func TestHeapOnlyLeavesTheExecutable(t *testing.T) {
	e := newTrimExtension(&Config{Heap: true}, zap.NewNop())
	r := e.trim()
	assert.Zero(t, r.mappings)
	require.NoError(t, r.executableErr)
}

func TestShutdownBeforeReadyReturns(t *testing.T) {
	e := newTrimExtension(createDefaultConfig().(*Config), zap.NewNop())
	require.NoError(t, e.Shutdown(context.Background()))
	require.NoError(t, e.Ready(), "a late Ready does nothing")
}

// garbage keeps makeGarbage's allocations reachable until it drops them,
// so that the compiler cannot leave them out.
var garbage [][]byte

// makeGarbage stands for start-up's garbage: 16 MiB written (so resident),
// then unreachable.
func makeGarbage() {
	for range 64 {
		b := make([]byte, 256<<10)
		for i := range b {
			b[i] = 1
		}
		garbage = append(garbage, b)
	}
	garbage = nil
}
