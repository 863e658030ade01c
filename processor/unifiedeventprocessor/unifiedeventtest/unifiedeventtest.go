// Package unifiedeventtest runs raw records through the real tapio_unified
// processor, built by its factory with the default config, so each
// decoder's tests check what the pipeline really emits.
package unifiedeventtest

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/yairfalse/tapio/internal/testkit"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor"
)

// Process starts the processor, hands it one batch, shuts it down and
// returns the records it passed on, in order. The processor must pass the
// batch on whole, as one.
func Process(tb testing.TB, in plog.Logs) []plog.LogRecord {
	tb.Helper()
	factory := unifiedeventprocessor.NewFactory()
	sink := new(consumertest.LogsSink)
	p, err := factory.CreateLogs(tb.Context(), processortest.NewNopSettings(factory.Type()), factory.CreateDefaultConfig(), sink)
	require.NoError(tb, err)
	require.NoError(tb, p.Start(tb.Context(), componenttest.NewNopHost()))
	require.NoError(tb, p.ConsumeLogs(tb.Context(), in))
	require.NoError(tb, p.Shutdown(tb.Context()))
	require.Len(tb, sink.AllLogs(), 1, "the batch is passed on whole")
	return testkit.LogRecords(sink.AllLogs()...)
}
