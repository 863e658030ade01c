package unifiedeventexporter

import (
	"path/filepath"
	"runtime"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"

	"github.com/yairfalse/tapio/exporter/unifiedeventexporter/internal/metadata"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

const benchBatch = 1000

// perEvent measures the loop's heap allocations, which testing reports per
// batch only, and reports them with the rate per event.
type perEvent struct {
	b      *testing.B
	before runtime.MemStats
}

func startPerEvent(b *testing.B) *perEvent {
	p := &perEvent{b: b}
	b.ReportAllocs()
	runtime.ReadMemStats(&p.before)
	return p
}

func (p *perEvent) report(events, lineBytes int) {
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	n := float64(p.b.N * events)
	p.b.ReportMetric(n/p.b.Elapsed().Seconds(), "events/s")
	p.b.ReportMetric(float64(after.Mallocs-p.before.Mallocs)/n, "allocs/event")
	p.b.ReportMetric(float64(after.TotalAlloc-p.before.TotalAlloc)/n, "B/event")
	p.b.ReportMetric(float64(lineBytes)/float64(events), "line-bytes/event")
}

// BenchmarkAppendLine is the JSON encoder alone, on events already read.
func BenchmarkAppendLine(b *testing.B) {
	ld := testLogs(0, 1)
	rl := ld.ResourceLogs().At(0)
	lr := rl.ScopeLogs().At(0).LogRecords().At(0)
	ev, err := unifiedevent.FromLogRecord(lr)
	if err != nil {
		b.Fatal(err)
	}
	buf := appendLine(nil, ev, lr, rl.Resource())
	p := startPerEvent(b)
	for b.Loop() {
		buf = appendLine(buf[:0], ev, lr, rl.Resource())
	}
	p.report(1, len(buf))
}

// BenchmarkEncode is the exporter's own work per event: reading the
// UnifiedEvent back (FromLogRecord) and writing its JSON line.
func BenchmarkEncode(b *testing.B) {
	ld := testLogs(0, benchBatch)
	e := &unifiedExporter{}
	buf, _, _ := e.encode(nil, ld)
	p := startPerEvent(b)
	for b.Loop() {
		buf, _, _ = e.encode(buf[:0], ld)
	}
	p.report(benchBatch, len(buf))
}

// BenchmarkEncodeResourceSubject is BenchmarkEncode on events laid out as
// tapio_k8s_enrich writes them: the pod on the Resource, none in the body,
// so every line merges the Resource's k8s and container parts back in.
func BenchmarkEncodeResourceSubject(b *testing.B) {
	ld := testLogs(0, benchBatch)
	rl := ld.ResourceLogs().At(0)
	for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
		lr.Body().Map().Remove(unifiedevent.PartK8s)
	}
	ra := rl.Resource().Attributes()
	(&unifiedevent.K8s{PodUID: "uid-1", PodName: "cart-7d9f", Namespace: "shop", NodeName: "node-1",
		ContainerName: "main", WorkloadKind: "Deployment", WorkloadName: "cart", Services: []string{"cart"}}).WriteResource(ra)
	(&unifiedevent.Container{ID: "c0ffee", Runtime: "containerd"}).WriteResource(ra)
	e := &unifiedExporter{}
	buf, _, _ := e.encode(nil, ld)
	p := startPerEvent(b)
	for b.Loop() {
		buf, _, _ = e.encode(buf[:0], ld)
	}
	p.report(benchBatch, len(buf))
}

// BenchmarkExportToFile is the whole exporter writing to a real file
// (rotated at 100 MB, 2 backups kept) through the exporter helper, with the
// queue off so every batch is written before ConsumeLogs returns.
func BenchmarkExportToFile(b *testing.B) {
	cfg := fileConfig(filepath.Join(b.TempDir(), "events.jsonl"), RotationConfig{MaxMegabytes: 100, MaxBackups: 2})
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	exp, err := NewFactory().CreateLogs(b.Context(), exportertest.NewNopSettings(metadata.Type), cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := exp.Start(b.Context(), componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = exp.Shutdown(b.Context()) }()
	ld := testLogs(0, benchBatch)
	buf, _, _ := (&unifiedExporter{}).encode(nil, ld)
	p := startPerEvent(b)
	for b.Loop() {
		if err := exp.ConsumeLogs(b.Context(), ld); err != nil {
			b.Fatal(err)
		}
	}
	p.report(benchBatch, len(buf))
}
