package unifiedevent

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

func writtenRecord() plog.LogRecord {
	lr := plog.NewLogRecord()
	fullEvent().WriteTo(lr)
	return lr
}

// bodyPart returns the named sub-map of the body, following dots.
func bodyPart(lr plog.LogRecord, path string) pcommon.Map {
	m := lr.Body().Map()
	for _, k := range strings.Split(path, ".") {
		v, _ := m.Get(k)
		m = v.Map()
	}
	return m
}

func TestFromLogRecordVersion(t *testing.T) {
	t.Run("raw receiver record", func(t *testing.T) {
		lr := plog.NewLogRecord()
		lr.Body().SetEmptyBytes().FromRaw([]byte("raw"))
		lr.Attributes().PutStr(AttrSource, SourceEBPF)
		_, err := FromLogRecord(lr)
		require.ErrorIs(t, err, ErrNotUnifiedEvent)
		require.ErrorContains(t, err, "tapio.schema.version missing")
	})
	t.Run("newer version", func(t *testing.T) {
		lr := writtenRecord()
		lr.Attributes().PutStr(AttrSchemaVersion, "2")
		_, err := FromLogRecord(lr)
		require.ErrorIs(t, err, ErrUnsupportedVersion)
		require.ErrorContains(t, err, `"2"`)
	})
	t.Run("version of wrong type", func(t *testing.T) {
		lr := writtenRecord()
		lr.Attributes().PutInt(AttrSchemaVersion, 1)
		_, err := FromLogRecord(lr)
		require.ErrorIs(t, err, ErrUnsupportedVersion)
		require.ErrorContains(t, err, "got Int")
	})
}

func TestFromLogRecordMalformed(t *testing.T) {
	cases := []struct {
		name    string
		mutate  func(lr plog.LogRecord)
		wantErr string
	}{
		{"body is bytes", func(lr plog.LogRecord) { lr.Body().SetEmptyBytes() }, "body: got Bytes, want Map"},
		{"body is string", func(lr plog.LogRecord) { lr.Body().SetStr("x") }, "body: got Str, want Map"},
		{"part is not a map", func(lr plog.LogRecord) { lr.Body().Map().PutStr("process", "x") }, "body.process: got Str, want Map"},
		{"pid is a string", func(lr plog.LogRecord) { bodyPart(lr, "process").PutStr("pid", "4121") }, "body.process.pid: got Str, want Int"},
		{"pid is a double", func(lr plog.LogRecord) { bodyPart(lr, "process").PutDouble("pid", 4121) }, "body.process.pid: got Double, want Int"},
		{"negative pid", func(lr plog.LogRecord) { bodyPart(lr, "process").PutInt("pid", -1) }, "body.process.pid: -1 is negative"},
		{"negative uid", func(lr plog.LogRecord) { bodyPart(lr, "process").PutInt("user_id", -5) }, "body.process.user_id: -5 is negative"},
		{"bad start time", func(lr plog.LogRecord) { bodyPart(lr, "process").PutStr("start_time", "yesterday") }, `body.process.start_time: "yesterday" is not an RFC 3339 time`},
		{"start time past 9999 in UTC", func(lr plog.LogRecord) {
			bodyPart(lr, "process").PutStr("start_time", "9999-12-31T23:00:00-05:00")
		}, "body.process.start_time"},
		{"port too large", func(lr plog.LogRecord) { bodyPart(lr, "network").PutInt("peer_port", 70000) }, "body.network.peer_port: 70000 out of range 0..65535"},
		{"huge cgroup id", func(lr plog.LogRecord) { bodyPart(lr, "kernel").PutInt("cgroup_id", math.MinInt64) }, "body.kernel.cgroup_id"},
		{"nested dns type", func(lr plog.LogRecord) { bodyPart(lr, "network.dns").PutBool("question_name", true) }, "body.network.dns.question_name: got Bool, want Str"},
		{"answer of wrong type", func(lr plog.LogRecord) {
			bodyPart(lr, "network.dns").PutEmptySlice("answers").AppendEmpty().SetInt(1)
		}, "body.network.dns.answers[0]: got Int, want Str"},
		{"services not a slice", func(lr plog.LogRecord) { bodyPart(lr, "k8s").PutStr("services", "cart") }, "body.k8s.services: got Str, want Slice"},
		{"priority out of range", func(lr plog.LogRecord) { bodyPart(lr, "systemd").PutInt("priority", 8) }, "body.systemd.priority: 8 out of range 0..7"},
		{"raw is a string", func(lr plog.LogRecord) { lr.Body().Map().PutStr("raw", "abc") }, "body.raw: got Str, want Bytes"},
		{"message is a map", func(lr plog.LogRecord) { lr.Body().Map().PutEmptyMap("message") }, "body.message: got Map, want Str"},
		{"id of wrong type", func(lr plog.LogRecord) { lr.Attributes().PutInt(AttrEventID, 7) }, "attribute tapio.event.id: got Int, want Str"},
		{"id missing", func(lr plog.LogRecord) { lr.Attributes().Remove(AttrEventID) }, "tapio.event.id missing"},
		{"name missing", func(lr plog.LogRecord) {
			lr.SetEventName("")
			lr.Attributes().Remove(AttrEventName)
		}, "event name missing"},
		{"timestamp past int64", func(lr plog.LogRecord) { lr.SetTimestamp(math.MaxUint64) }, "timestamp: 18446744073709551615 ns is past year 2262"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lr := writtenRecord()
			tc.mutate(lr)
			got, err := FromLogRecord(lr)
			require.Nil(t, got)
			require.ErrorIs(t, err, ErrMalformed)
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
}

func TestFromLogRecordLenient(t *testing.T) {
	t.Run("unknown keys are ignored", func(t *testing.T) {
		lr := writtenRecord()
		lr.Body().Map().PutStr("future_part", "x")
		bodyPart(lr, "process").PutInt("future_field", 1)
		got, err := FromLogRecord(lr)
		require.NoError(t, err)
		require.Equal(t, fullEvent(), got)
	})
	t.Run("null values count as absent", func(t *testing.T) {
		lr := writtenRecord()
		bodyPart(lr, "process").PutEmpty("pid")
		got, err := FromLogRecord(lr)
		require.NoError(t, err)
		require.Zero(t, got.Process.PID)
	})
	t.Run("empty body", func(t *testing.T) {
		lr := plog.NewLogRecord()
		minimalEvent().WriteTo(lr)
		lr.Body().FromRaw(nil)
		require.Equal(t, pcommon.ValueTypeEmpty, lr.Body().Type())
		got, err := FromLogRecord(lr)
		require.NoError(t, err)
		require.Equal(t, minimalEvent(), got)
	})
	t.Run("name from attribute when the field was dropped", func(t *testing.T) {
		lr := writtenRecord()
		lr.SetEventName("")
		got, err := FromLogRecord(lr)
		require.NoError(t, err)
		require.Equal(t, NameOOMKill, got.Name)
	})
	t.Run("unknown event name", func(t *testing.T) {
		e := minimalEvent()
		e.Name = "tapio.future.thing"
		got := roundTrip(t, e)
		require.Equal(t, e, got)
		require.False(t, got.Name.Known())
	})
	t.Run("long bad value is clipped", func(t *testing.T) {
		lr := writtenRecord()
		lr.Attributes().PutStr(AttrSchemaVersion, strings.Repeat("9", 10_000))
		_, err := FromLogRecord(lr)
		require.ErrorIs(t, err, ErrUnsupportedVersion)
		require.Less(t, len(err.Error()), 200)
	})
}
