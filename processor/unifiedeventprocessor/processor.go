package unifiedeventprocessor

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.uber.org/zap"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/internal/tally"
	"github.com/yairfalse/tapio/internal/unifiedevent"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/metadata"
)

// Why a record was not decoded, as the "reason" metric attribute.
const (
	reasonNoDecoder          = "no_decoder"
	reasonUnsupportedVersion = "unsupported_version"
	reasonInvalidPayload     = "invalid_payload"
	reasonDecoderPanic       = "decoder_panic"
	reasonNotRaw             = "not_raw"
	reasonAlreadyDecoded     = "already_decoded"
)

type unifiedProcessor struct {
	logger    *zap.Logger
	keepRaw   bool
	registry  *decode.Registry
	telemetry *metadata.TelemetryBuilder
	// outcomeOpts is shared by concurrent batches.
	outcomeOpts outcomeOptions
}

func newUnifiedProcessor(set processor.Settings, cfg *Config, registry *decode.Registry) (*unifiedProcessor, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("create telemetry: %w", err)
	}
	return &unifiedProcessor{
		logger:    set.Logger,
		keepRaw:   cfg.KeepRaw,
		registry:  registry,
		telemetry: tb,
	}, nil
}

func (p *unifiedProcessor) start(context.Context, component.Host) error {
	p.logger.Info("decoders registered", zap.Strings("decoders", p.registry.Entries()))
	return nil
}

func (p *unifiedProcessor) shutdown(context.Context) error {
	if p.telemetry != nil {
		p.telemetry.Shutdown()
	}
	return nil
}

// processLogs decodes every raw record in place. It never fails the batch:
// a record that cannot be decoded is marked and passed on with the rest.
func (p *unifiedProcessor) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	var buf [8]tally.Count[outcome]
	var counts tally.Counts[outcome]
	counts.Reuse(buf[:])
	// Each event is written onto its record before the next is decoded,
	// so one Scratch serves the whole batch.
	scratch := scratchPool.Get().(*decode.Scratch)
	defer scratchPool.Put(scratch)
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				counts.Add(p.processRecord(lrs.At(k), scratch))
			}
		}
	}
	recordOutcomes(ctx, p.telemetry, &p.outcomeOpts, counts.All())
	return ld, nil
}

// scratchPool keeps decode.Scratch values between batches; batches may run
// concurrently, each with its own.
var scratchPool = sync.Pool{New: func() any { return new(decode.Scratch) }}

func (p *unifiedProcessor) processRecord(lr plog.LogRecord, scratch *decode.Scratch) outcome {
	attrs := lr.Attributes()
	if _, ok := attrs.Get(unifiedevent.AttrSchemaVersion); ok {
		return outcome{kind: outcomePassed, reason: reasonAlreadyDecoded}
	}
	source, ok := attrs.Get(rawrecord.AttrSource)
	if !ok {
		return outcome{kind: outcomePassed, reason: reasonNotRaw}
	}
	raw := decode.Raw{
		Source:       source.AsString(),
		Kind:         stringAttr(attrs, rawrecord.AttrKind),
		Version:      stringAttr(attrs, rawrecord.AttrVersion),
		Time:         lr.Timestamp().AsTime(),
		ObservedTime: lr.ObservedTimestamp().AsTime(),
		Attributes:   attrs,
		Scratch:      scratch,
	}
	if lr.Timestamp() == 0 {
		raw.Time = raw.ObservedTime
	}
	res := outcome{source: raw.Source, kind: outcomeUndecoded}
	res.rawKind = raw.Kind

	switch body := lr.Body(); body.Type() {
	case pcommon.ValueTypeBytes:
		raw.Body = body.Bytes().AsRaw()
	case pcommon.ValueTypeStr:
		// A hop that re-encoded the payload as text (some log pipelines
		// do) still carries it whole.
		raw.Body = []byte(body.Str())
	default:
		return p.fail(lr, res, reasonInvalidPayload, fmt.Errorf("body is %s, want the raw payload as bytes", body.Type()))
	}

	dec, ok := p.registry.Lookup(raw.Source, raw.Kind)
	if !ok {
		return p.fail(lr, res, reasonNoDecoder, fmt.Errorf("no decoder for source %q kind %q", raw.Source, raw.Kind))
	}
	ev, err := safeDecode(dec, raw)
	switch {
	case errors.Is(err, errDecoderPanic):
		return p.fail(lr, res, reasonDecoderPanic, err)
	case errors.Is(err, decode.ErrUnsupportedVersion):
		return p.fail(lr, res, reasonUnsupportedVersion, err)
	case err != nil:
		return p.fail(lr, res, reasonInvalidPayload, err)
	case ev == nil:
		return p.fail(lr, res, reasonInvalidPayload, errors.New("decoder returned no event"))
	}

	p.complete(ev, raw)
	// WriteTo also clears the tapio.decode.error a previous hop may have
	// left (it owns the key): a record that decodes here, with a newer
	// decoder, must not carry a stale error on.
	ev.WriteTo(lr)
	res.kind = outcomeDecoded
	return res
}

// complete fills what every event takes from its record, so no decoder has
// to repeat it.
func (p *unifiedProcessor) complete(ev *unifiedevent.Event, raw decode.Raw) {
	if ev.Source == "" {
		ev.Source = raw.Source
	}
	if ev.RawKind == "" {
		ev.RawKind = raw.Kind
	}
	if ev.RawVersion == "" {
		ev.RawVersion = raw.Version
	}
	if ev.Time.IsZero() {
		ev.Time = raw.Time
	}
	if ev.ObservedTime.IsZero() {
		ev.ObservedTime = raw.ObservedTime
	}
	if ev.ID == "" {
		ev.ID = unifiedevent.NewID(raw.Source, raw.Kind, raw.Time, raw.Body)
	}
	if p.keepRaw && ev.Raw == nil {
		ev.Raw = append([]byte(nil), raw.Body...)
	}
}

func (p *unifiedProcessor) fail(lr plog.LogRecord, res outcome, reason string, err error) outcome {
	lr.Attributes().PutStr(unifiedevent.AttrDecodeError, err.Error())
	if reason == reasonDecoderPanic {
		p.logger.Error("decoder panicked; record passed on undecoded",
			zap.String("source", res.source), zap.String("kind", res.rawKind), zap.Error(err))
	} else {
		p.logger.Debug("record passed on undecoded",
			zap.String("source", res.source), zap.String("kind", res.rawKind), zap.String("reason", reason), zap.Error(err))
	}
	res.reason = reason
	return res
}

var errDecoderPanic = errors.New("decoder panicked")

// safeDecode turns a decoder panic into an error: one bad payload must not
// take the collector, or the rest of the batch, down with it.
func safeDecode(d decode.Decoder, raw decode.Raw) (ev *unifiedevent.Event, err error) {
	defer func() {
		if r := recover(); r != nil {
			ev, err = nil, fmt.Errorf("%w: %v", errDecoderPanic, r)
		}
	}()
	return d.Decode(raw)
}

func stringAttr(m pcommon.Map, key string) string {
	if v, ok := m.Get(key); ok {
		return v.AsString()
	}
	return ""
}
