package unifiedeventexporter

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/yairfalse/tapio/exporter/unifiedeventexporter/internal/metadata"
	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// Why a record was skipped, as the "reason" metric attribute.
const (
	reasonNotUnifiedEvent    = "not_unified_event"
	reasonUnsupportedVersion = "unsupported_version"
	reasonMalformed          = "malformed"
)

// sink is where encoded batches go. write gets whole JSON lines, each
// ending in a newline, and must either take all of them or fail.
type sink interface {
	name() string
	start(ctx context.Context, host component.Host) error
	write(ctx context.Context, lines []byte) error
	shutdown(ctx context.Context) error
}

type unifiedExporter struct {
	logger    *zap.Logger
	sink      sink
	telemetry *metadata.TelemetryBuilder
	sinkAttr  metric.MeasurementOption
	bufs      sync.Pool
}

func newUnifiedExporter(set exporter.Settings, cfg *Config) (*unifiedExporter, error) {
	var s sink
	switch {
	case cfg.File.HasValue():
		s = newFileSink(cfg.File.Get())
	case cfg.HTTP.HasValue():
		s = newHTTPSink(cfg.HTTP.Get(), set.TelemetrySettings)
	default:
		return nil, errNoSink
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("create telemetry: %w", err)
	}
	return &unifiedExporter{
		logger:    set.Logger,
		sink:      s,
		telemetry: tb,
		sinkAttr:  metric.WithAttributeSet(attribute.NewSet(attribute.String("sink", s.name()))),
	}, nil
}

func (e *unifiedExporter) start(ctx context.Context, host component.Host) error {
	if err := e.sink.start(ctx, host); err != nil {
		return fmt.Errorf("start %s sink: %w", e.sink.name(), err)
	}
	return nil
}

// shutdown runs after the exporter helper has drained or persisted its
// queue, so no push is in flight.
func (e *unifiedExporter) shutdown(ctx context.Context) error {
	e.telemetry.Shutdown()
	return e.sink.shutdown(ctx)
}

// skips tallies the records of one push that were not written.
type skips map[string]int64

// pushLogs encodes every UnifiedEvent of ld and hands them to the sink in
// one write, so a batch is written whole or retried whole.
func (e *unifiedExporter) pushLogs(ctx context.Context, ld plog.Logs) error {
	bp, _ := e.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	defer func() {
		*bp = (*bp)[:0]
		e.bufs.Put(bp)
	}()
	buf, written, skipped := e.encode((*bp)[:0], ld)
	*bp = buf

	var err error
	if written > 0 {
		err = e.sink.write(ctx, buf)
	}
	// A retryable failure brings the same batch back: count it then, once.
	if err != nil && !consumererror.IsPermanent(err) {
		return err
	}
	e.report(ctx, written, skipped, err)
	return err
}

func (e *unifiedExporter) encode(buf []byte, ld plog.Logs) ([]byte, int64, skips) {
	var written int64
	var skipped skips
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				// The pod found by enrichment is on the Resource.
				ev, err := unifiedevent.FromRecord(rl.Resource(), lr)
				if err != nil {
					if skipped == nil {
						skipped = skips{}
					}
					reason := skipReason(err)
					if skipped[reason] == 0 {
						e.logger.Warn("record skipped: not a UnifiedEvent this exporter can write",
							zap.String("reason", reason), zap.Error(err))
					}
					skipped[reason]++
					continue
				}
				buf = appendLine(buf, ev, lr, rl.Resource())
				written++
			}
		}
	}
	return buf, written, skipped
}

func (e *unifiedExporter) report(ctx context.Context, written int64, skipped skips, err error) {
	if err == nil && written > 0 {
		e.telemetry.TapioUnifiedEventEventsWritten.Add(ctx, written, e.sinkAttr)
	}
	for reason, n := range skipped {
		e.telemetry.TapioUnifiedEventRecordsSkipped.Add(ctx, n,
			metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", reason))))
	}
}

func skipReason(err error) string {
	switch {
	case errors.Is(err, unifiedevent.ErrNotUnifiedEvent):
		return reasonNotUnifiedEvent
	case errors.Is(err, unifiedevent.ErrUnsupportedVersion):
		return reasonUnsupportedVersion
	default:
		return reasonMalformed
	}
}
