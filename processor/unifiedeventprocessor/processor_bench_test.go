package unifiedeventprocessor

import (
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/metadata"
)

// BenchmarkProcessLogs measures the processor's own cost per record: the
// registry lookup, the bookkeeping and writing the event onto the record,
// with a decoder that does no parsing of its own.
func BenchmarkProcessLogs(b *testing.B) {
	const batchSize = 1000
	set := processortest.NewNopSettings(metadata.Type)
	p, err := newLogsProcessor(b.Context(), set, &Config{}, consumertest.NewNop(), testRegistry(b))
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Start(b.Context(), componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = p.Shutdown(b.Context()) }()

	kinds := make([]string, batchSize)
	for i := range kinds {
		kinds[i] = "ok"
	}
	template := rawBatch(kinds...)
	batches := make([]plog.Logs, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		if len(batches) == 0 {
			for range 64 {
				ld := plog.NewLogs()
				template.CopyTo(ld)
				batches = append(batches, ld)
			}
		}
		ld := batches[len(batches)-1]
		batches = batches[:len(batches)-1]
		b.StartTimer()
		if err := p.ConsumeLogs(b.Context(), ld); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batchSize)/b.Elapsed().Seconds(), "records/s")
}
