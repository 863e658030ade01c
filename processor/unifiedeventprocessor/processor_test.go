package unifiedeventprocessor

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/internal/rawrecord"
	"github.com/yairfalse/tapio/internal/testkit"
	"github.com/yairfalse/tapio/internal/unifiedevent"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/metadata"
)

// testRegistry holds decoders for a made-up "test" source, one per
// behaviour a real decoder can show.
func testRegistry(t testing.TB) *decode.Registry {
	r := decode.NewRegistry()
	reg := func(kind string, f decode.Func) { require.NoError(t, r.Register("test", kind, f)) }
	reg("ok", func(raw decode.Raw) (*unifiedevent.Event, error) {
		return &unifiedevent.Event{
			Name:    unifiedevent.NameProcessExec,
			Message: "exec " + string(raw.Body),
			Process: &unifiedevent.Process{PID: 42, ExecutablePath: string(raw.Body)},
		}, nil
	})
	reg("broken", func(decode.Raw) (*unifiedevent.Event, error) { return nil, errors.New("bad byte at offset 3") })
	reg("old", func(raw decode.Raw) (*unifiedevent.Event, error) {
		return nil, fmt.Errorf("layout %s: %w", raw.Version, decode.ErrUnsupportedVersion)
	})
	reg("panics", func(decode.Raw) (*unifiedevent.Event, error) { panic("index out of range") })
	reg("nothing", func(decode.Raw) (*unifiedevent.Event, error) { return nil, nil })
	return r
}

func run(t *testing.T, cfg *Config, in plog.Logs) (plog.Logs, *componenttest.Telemetry) {
	t.Helper()
	tel := componenttest.NewTelemetry()
	// t.Context is already cancelled when cleanups run.
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	sink := new(consumertest.LogsSink)
	p, err := newLogsProcessor(t.Context(), set, cfg, sink, testRegistry(t))
	require.NoError(t, err)
	require.NoError(t, p.Start(t.Context(), componenttest.NewNopHost()))
	require.NoError(t, p.ConsumeLogs(t.Context(), in))
	require.NoError(t, p.Shutdown(t.Context()))
	require.Len(t, sink.AllLogs(), 1, "the batch is passed on whole")
	return sink.AllLogs()[0], tel
}

var eventTime = time.Date(2026, 11, 29, 8, 30, 0, 0, time.UTC)

func rawBatch(kinds ...string) plog.Logs {
	e := rawrecord.NewEmitter("test", "1", rawrecord.Identity{HostName: "h", NodeName: "n"}, "scope", "v")
	b := e.NewBatch()
	for _, k := range kinds {
		lr := b.Append(k, []byte("/usr/bin/"+k), eventTime)
		lr.Attributes().PutStr("added.by.receiver", k)
	}
	return b.Logs()
}

func TestDecodesKnownRecordIntoUnifiedEvent(t *testing.T) {
	in := rawBatch("ok")
	traceID := pcommon.TraceID{1, 2, 3}
	testkit.LogRecords(in)[0].SetTraceID(traceID)

	out, tel := run(t, &Config{}, in)
	lr := testkit.LogRecords(out)[0]

	ev, err := unifiedevent.FromLogRecord(lr)
	require.NoError(t, err)
	assert.Equal(t, unifiedevent.NameProcessExec, ev.Name)
	assert.Equal(t, "test", ev.Source)
	assert.Equal(t, "ok", ev.RawKind)
	assert.Equal(t, eventTime, ev.Time.UTC())
	assert.Equal(t, unifiedevent.NewID("test", "ok", eventTime, []byte("/usr/bin/ok")), ev.ID)
	assert.Equal(t, int64(42), ev.Process.PID)
	assert.Nil(t, ev.Raw, "the payload is only kept when keep_raw is on")

	attrs := lr.Attributes().AsRaw()
	assert.Equal(t, "tapio.process.exec", attrs["event.name"])
	assert.Equal(t, "ok", attrs["added.by.receiver"], "attributes other stages set survive")
	assert.NotContains(t, attrs, unifiedevent.AttrDecodeError)
	assert.Equal(t, traceID, lr.TraceID(), "trace context survives decoding")
	assert.Equal(t, pcommon.ValueTypeMap, lr.Body().Type())

	assertCount(t, tel, "otelcol.tapio_unified.records.decoded", map[string]string{"source": "test", "kind": "ok"}, 1)
}

func TestKeepRawKeepsThePayload(t *testing.T) {
	out, _ := run(t, &Config{KeepRaw: true}, rawBatch("ok"))
	ev, err := unifiedevent.FromLogRecord(testkit.LogRecords(out)[0])
	require.NoError(t, err)
	assert.Equal(t, []byte("/usr/bin/ok"), ev.Raw)
}

// One batch holding every way decoding can fail, between two good records:
// nothing is dropped, each failure is marked and counted, and the good
// records are still decoded.
func TestUndecodableRecordsPassOnMarkedAndCounted(t *testing.T) {
	kinds := []string{"ok", "unknown", "broken", "old", "panics", "nothing", "ok"}
	out, tel := run(t, &Config{}, rawBatch(kinds...))
	got := testkit.LogRecords(out)
	require.Len(t, got, len(kinds))

	wantErr := map[string]string{
		"unknown": `no decoder for source "test" kind "unknown"`,
		"broken":  "bad byte at offset 3",
		"old":     "layout 1: unsupported raw version",
		"panics":  "decoder panicked: index out of range",
		"nothing": "decoder returned no event",
	}
	for i, kind := range kinds {
		lr := got[i]
		msg, failed := lr.Attributes().Get(unifiedevent.AttrDecodeError)
		if kind == "ok" {
			assert.False(t, failed, "record %d", i)
			continue
		}
		require.True(t, failed, kind)
		assert.Equal(t, wantErr[kind], msg.Str(), kind)
		assert.Equal(t, []byte("/usr/bin/"+kind), lr.Body().Bytes().AsRaw(), "%s: the payload is untouched", kind)
		assert.Equal(t, kind, lr.Attributes().AsRaw()[rawrecord.AttrKind], kind)
	}

	undecoded := "otelcol.tapio_unified.records.undecoded"
	assertCount(t, tel, undecoded, map[string]string{"source": "test", "kind": "unknown", "reason": "no_decoder"}, 1)
	assertCount(t, tel, undecoded, map[string]string{"source": "test", "kind": "broken", "reason": "invalid_payload"}, 1)
	assertCount(t, tel, undecoded, map[string]string{"source": "test", "kind": "old", "reason": "unsupported_version"}, 1)
	assertCount(t, tel, undecoded, map[string]string{"source": "test", "kind": "panics", "reason": "decoder_panic"}, 1)
	assertCount(t, tel, undecoded, map[string]string{"source": "test", "kind": "nothing", "reason": "invalid_payload"}, 1)
	assertCount(t, tel, "otelcol.tapio_unified.records.decoded", map[string]string{"source": "test", "kind": "ok"}, 2)
}

func TestNonRawBodiesAreRefusedNotMisread(t *testing.T) {
	in := rawBatch("ok")
	testkit.LogRecords(in)[0].Body().SetEmptyMap().PutStr("not", "a payload")
	out, tel := run(t, &Config{}, in)
	msg, ok := testkit.LogRecords(out)[0].Attributes().Get(unifiedevent.AttrDecodeError)
	require.True(t, ok)
	assert.Equal(t, "body is Map, want the raw payload as bytes", msg.Str())
	assertCount(t, tel, "otelcol.tapio_unified.records.undecoded", map[string]string{"source": "test", "kind": "ok", "reason": "invalid_payload"}, 1)
}

func TestTextBodyIsDecodedLikeBytes(t *testing.T) {
	in := rawBatch("ok")
	testkit.LogRecords(in)[0].Body().SetStr("/usr/bin/ok")
	out, _ := run(t, &Config{}, in)
	ev, err := unifiedevent.FromLogRecord(testkit.LogRecords(out)[0])
	require.NoError(t, err)
	assert.Equal(t, "/usr/bin/ok", ev.Process.ExecutablePath)
}

// Application logs share pipelines with Tapio's records, and a gateway sees
// records an agent already decoded: neither may be touched.
func TestOtherRecordsPassUntouched(t *testing.T) {
	in := plog.NewLogs()
	lrs := in.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	app := lrs.AppendEmpty()
	app.Body().SetStr("GET /healthz 200")
	app.Attributes().PutStr("http.route", "/healthz")

	decoded := lrs.AppendEmpty()
	(&unifiedevent.Event{
		ID: "abc", Name: unifiedevent.NameOOMKill, Source: "ebpf", RawKind: "oom.kill", Time: eventTime,
	}).WriteTo(decoded)
	wantDecoded := plog.NewLogRecord()
	decoded.CopyTo(wantDecoded)
	wantApp := plog.NewLogRecord()
	app.CopyTo(wantApp)

	out, tel := run(t, &Config{}, in)
	got := testkit.LogRecords(out)
	assert.Equal(t, wantApp.Body().AsRaw(), got[0].Body().AsRaw())
	assert.Equal(t, wantApp.Attributes().AsRaw(), got[0].Attributes().AsRaw())
	assert.Equal(t, wantDecoded.Body().AsRaw(), got[1].Body().AsRaw())
	assert.Equal(t, wantDecoded.Attributes().AsRaw(), got[1].Attributes().AsRaw())

	passed := "otelcol.tapio_unified.records.passed_through"
	assertCount(t, tel, passed, map[string]string{"reason": "not_raw"}, 1)
	assertCount(t, tel, passed, map[string]string{"reason": "already_decoded"}, 1)
}

// A record an older decoder could not read, decoded by a newer one further
// down the line, must not keep the old error.
func TestSuccessfulDecodeClearsAnEarlierError(t *testing.T) {
	in := rawBatch("ok")
	testkit.LogRecords(in)[0].Attributes().PutStr(unifiedevent.AttrDecodeError, "no decoder at the agent")
	out, _ := run(t, &Config{}, in)
	_, failed := testkit.LogRecords(out)[0].Attributes().Get(unifiedevent.AttrDecodeError)
	assert.False(t, failed)
}

func assertCount(t *testing.T, tel *componenttest.Telemetry, name string, attrs map[string]string, want int64) {
	t.Helper()
	m, err := tel.GetMetric(name)
	require.NoError(t, err, name)
	sum, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is %T", name, m.Data)
	for _, dp := range sum.DataPoints {
		if len(attrs) != dp.Attributes.Len() {
			continue
		}
		match := true
		for k, v := range attrs {
			got, ok := dp.Attributes.Value(attribute.Key(k))
			if !ok || got.AsString() != v {
				match = false
				break
			}
		}
		if match {
			assert.Equal(t, want, dp.Value, "%s %v", name, attrs)
			return
		}
	}
	t.Errorf("%s: no data point with attributes %v", name, attrs)
}
