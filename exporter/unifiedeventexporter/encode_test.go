package unifiedeventexporter

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

func encodeOne(t *testing.T, lr plog.LogRecord, res pcommon.Resource) map[string]any {
	t.Helper()
	ev, err := unifiedevent.FromLogRecord(lr)
	require.NoError(t, err)
	line := appendLine(nil, ev, lr, res)
	require.Equal(t, byte('\n'), line[len(line)-1])
	require.Equal(t, 1, countByte(line, '\n'), "one event is one line")
	lines := parseLines(t, line)
	require.Len(t, lines, 1)
	return lines[0]
}

func countByte(b []byte, c byte) int {
	n := 0
	for _, x := range b {
		if x == c {
			n++
		}
	}
	return n
}

func TestLineEnvelopeAndBody(t *testing.T) {
	ld := testLogs(7, 1)
	rl := ld.ResourceLogs().At(0)
	lr := rl.ScopeLogs().At(0).LogRecords().At(0)
	lr.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	lr.SetSpanID(pcommon.SpanID{0xa, 0xb, 0xc, 0xd, 0xe, 0xf, 1, 2})
	// A processor after the decoder (the correlation connector) marks the
	// member; that must reach consumers, the semconv repeats must not.
	lr.Attributes().PutStr("tapio.incident.id", "inc-1")
	lr.Attributes().PutStr("tapio.incident.role", "exec")

	got := encodeOne(t, lr, rl.Resource())
	ev := testEvent(7)
	assert.Equal(t, "1", got["schema_version"])
	assert.Equal(t, ev.ID, got["id"])
	assert.Equal(t, "tapio.process.exec", got["name"])
	assert.Equal(t, "2026-11-29T09:00:00.007Z", got["time"])
	assert.Equal(t, "2026-11-29T09:00:00.008Z", got["observed_time"])
	assert.InDelta(t, 9, got["severity_number"], 0)
	assert.Equal(t, "INFO", got["severity_text"])
	assert.Equal(t, "ebpf", got["source"])
	assert.Equal(t, "process.exec", got["raw_kind"])
	assert.Equal(t, "1", got["raw_version"])
	assert.Equal(t, "0102030405060708090a0b0c0d0e0f10", got["trace_id"])
	assert.Equal(t, "0a0b0c0d0e0f0102", got["span_id"])
	assert.Equal(t, map[string]any{"host.name": "node-1", "k8s.node.name": "node-1"}, got["resource"])
	assert.Equal(t, map[string]any{"tapio.incident.id": "inc-1", "tapio.incident.role": "exec"}, got["attributes"])

	body := got["body"].(map[string]any)
	assert.Equal(t, "exec /usr/bin/curl (pid 1007)", body["message"])
	proc := body["process"].(map[string]any)
	assert.InDelta(t, 1007, proc["pid"], 0)
	assert.InDelta(t, 0, proc["exit_code"], 0, "a pointer zero is a real exit code and is kept")
	assert.Equal(t, "curl -s http://cart:8080/", proc["command_line"])
	k8s := body["k8s"].(map[string]any)
	assert.Equal(t, "cart", k8s["workload_name"])
	assert.InDelta(t, 4242, body["kernel"].(map[string]any)["cgroup_id"], 0)
	assert.NotContains(t, body, "network", "absent parts are omitted")
}

func TestLineOmitsUnknowns(t *testing.T) {
	lr := plog.NewLogRecord()
	(&unifiedevent.Event{ID: "x", Name: unifiedevent.NameLoss, Loss: &unifiedevent.Loss{Count: 3}}).WriteTo(lr)
	got := encodeOne(t, lr, pcommon.NewResource())
	for _, k := range []string{"time", "observed_time", "severity_number", "trace_id", "span_id", "resource", "attributes"} {
		assert.NotContains(t, got, k)
	}
	assert.Equal(t, map[string]any{"loss": map[string]any{"count": float64(3)}}, got["body"])
}

func TestLineRawBytesAndOddValues(t *testing.T) {
	lr := plog.NewLogRecord()
	(&unifiedevent.Event{ID: "x", Name: unifiedevent.NameCNILog, Raw: []byte{0, 1, 0xff, '\n'}}).WriteTo(lr)
	// Values the schema does not write today must still give valid JSON.
	odd := lr.Attributes()
	odd.PutDouble("tapio.nan", math.NaN())
	odd.PutDouble("tapio.inf", math.Inf(1))
	odd.PutDouble("tapio.big", 1e300)
	odd.PutBool("tapio.flag", true)
	odd.PutEmpty("tapio.empty")
	got := encodeOne(t, lr, pcommon.NewResource())
	assert.Equal(t, "AAH/Cg==", got["body"].(map[string]any)["raw"])
	attrs := got["attributes"].(map[string]any)
	assert.Nil(t, attrs["tapio.nan"])
	assert.Nil(t, attrs["tapio.inf"])
	assert.InDelta(t, 1e300, attrs["tapio.big"], 0)
	assert.Equal(t, true, attrs["tapio.flag"])
	assert.Contains(t, attrs, "tapio.empty")
}

// TestAppendStringMatchesEncodingJSON holds the hand-written string encoder
// to encoding/json on every kind of awkward input.
func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " and \ backslash`, "new\nline\ttab\rcr",
		"\x00\x01\x1f\x7f", "<html>&amp;", "héllo wörld 日本", "\u2028\u2029",
		"bad \xff utf8 \xc3", "trailing \xe2\x82",
	} {
		enc := appendString(nil, s)
		require.True(t, json.Valid(enc), "%q -> %s", s, enc)
		var back string
		require.NoError(t, json.Unmarshal(enc, &back))
		want, err := json.Marshal(s)
		require.NoError(t, err)
		var wantBack string
		require.NoError(t, json.Unmarshal(want, &wantBack))
		assert.Equal(t, wantBack, back, "%q", s)
	}
}

// TestLineCarriesIncident: the correlation connector's incident records are
// UnifiedEvents too, and their part reaches consumers whole.
func TestLineCarriesIncident(t *testing.T) {
	lr := plog.NewLogRecord()
	(&unifiedevent.Event{
		ID: "inc-event", Name: unifiedevent.NameIncident, Source: unifiedevent.SourceCorrelation,
		Message: "cart OOM-killed: memory limit reached",
		K8s:     &unifiedevent.K8s{Namespace: "shop", WorkloadKind: "Deployment", WorkloadName: "cart"},
		Incident: &unifiedevent.Incident{
			ID: "inc-1", Rule: "oom", State: unifiedevent.IncidentOpened, RootCause: "memory limit reached",
			Confidence: 0.75, FirstSeen: baseTime, LastSeen: baseTime.Add(time.Second), EventCount: 2,
			MemberIDs: []string{"a", "b"}, Pods: []string{"shop/cart-7d9f"},
		},
	}).WriteTo(lr)
	got := encodeOne(t, lr, pcommon.NewResource())
	assert.Equal(t, "tapio.incident", got["name"])
	assert.Equal(t, map[string]any{
		"tapio.incident.id": "inc-1", "tapio.incident.rule": "oom", "tapio.incident.state": "opened",
	}, got["attributes"])
	assert.Equal(t, map[string]any{
		"id": "inc-1", "rule": "oom", "state": "opened", "root_cause": "memory limit reached",
		"confidence": 0.75, "first_seen": "2026-11-29T09:00:00Z", "last_seen": "2026-11-29T09:00:01Z",
		"event_count": float64(2), "member_ids": []any{"a", "b"}, "pods": []any{"shop/cart-7d9f"},
	}, got["body"].(map[string]any)["incident"])
}
