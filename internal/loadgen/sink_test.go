package loadgen

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
)

func logsWith(stamps ...time.Time) plog.Logs {
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for _, ts := range stamps {
		lr := lrs.AppendEmpty()
		lr.Attributes().PutStr("class", "mine")
		if !ts.IsZero() {
			lr.SetTimestamp(pcommon.NewTimestampFromTime(ts))
		}
	}
	lrs.AppendEmpty() // a record that is not the load's
	return ld
}

func TestSinkCountsAndTimesRecords(t *testing.T) {
	s, err := ListenSink(func(lr plog.LogRecord) string {
		v, _ := lr.Attributes().Get("class")
		return v.Str()
	})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()

	now := time.Now()
	body, err := plogotlp.NewExportRequestFromLogs(logsWith(now.Add(-10*time.Millisecond), now.Add(-time.Second), time.Time{})).MarshalProto()
	require.NoError(t, err)
	resp, err := http.Post(s.Endpoint()+"/v1/logs", "application/x-protobuf", bytes.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	assert.Equal(t, uint64(4), s.Records())
	assert.Equal(t, uint64(1), s.Requests())
	encoded, sent := s.Bytes()
	assert.Equal(t, uint64(len(body)), encoded)
	assert.Equal(t, encoded, sent, "no compression over OTLP/HTTP here")
	assert.Equal(t, uint64(3), s.Class("mine"))
	assert.Equal(t, uint64(3), s.Classes("mine", "other"))
	q, n := s.Latency([]float64{0, 0.99})
	assert.Equal(t, 2, n, "the record without a timestamp is counted, not timed")
	assert.GreaterOrEqual(t, q[0], 10*time.Millisecond)
	assert.GreaterOrEqual(t, q[1], time.Second)
	assert.Contains(t, s.Summary(), "mine 3")
}

func TestSinkRejectsWhatIsNotOTLP(t *testing.T) {
	s, err := ListenSink(func(plog.LogRecord) string { return "" })
	require.NoError(t, err)
	defer s.Close()
	resp, err := http.Post(s.Endpoint()+"/v1/logs", "application/x-protobuf", bytes.NewReader([]byte{0xff, 0xff, 0xff}))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Zero(t, s.Records())
	assert.Zero(t, s.Requests(), "a rejected request is not an export")
}

func TestGRPCSinkTakesGzippedOTLP(t *testing.T) {
	s, err := ListenGRPCSink(func(lr plog.LogRecord) string {
		v, _ := lr.Attributes().Get("class")
		return v.Str()
	})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	assert.NotContains(t, s.Endpoint(), "://", "an OTLP/gRPC exporter takes host:port")

	conn, err := grpc.NewClient(s.Endpoint(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	now := time.Now()
	// Repetitive, so that gzip makes it smaller.
	ld := logsWith(now.Add(-10*time.Millisecond), now, now, now, now, now, now, now)
	req := plogotlp.NewExportRequestFromLogs(ld)
	body, err := req.MarshalProto()
	require.NoError(t, err)
	_, err = plogotlp.NewGRPCClient(conn).Export(t.Context(), req, grpc.UseCompressor(gzip.Name))
	require.NoError(t, err)

	assert.Equal(t, uint64(9), s.Records())
	assert.Equal(t, uint64(1), s.Requests())
	encoded, sent := s.Bytes()
	assert.Equal(t, uint64(len(body)), encoded, "the request as encoded")
	assert.Positive(t, sent)
	assert.Less(t, sent, encoded, "as sent: gzipped")
	assert.Equal(t, uint64(8), s.Class("mine"))
	q, n := s.Latency([]float64{1})
	assert.Equal(t, 8, n)
	assert.GreaterOrEqual(t, q[0], 10*time.Millisecond)
}

func TestSinkCountsLabelsPerClassWithTheResource(t *testing.T) {
	s, err := ListenSink(func(lr plog.LogRecord) string {
		v, _ := lr.Attributes().Get("class")
		return v.Str()
	})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	s.Label(func(res pcommon.Resource, lr plog.LogRecord, dst []string) []string {
		if v, ok := res.Attributes().Get("k8s.pod.name"); ok {
			dst = append(dst, "pod", "pod="+v.Str())
		}
		return append(dst, "any")
	})

	ld := logsWith(time.Now(), time.Now()) // two of class mine, one of none
	ld.ResourceLogs().At(0).Resource().Attributes().PutStr("k8s.pod.name", "a")
	other := ld.ResourceLogs().AppendEmpty() // under no pod
	other.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Attributes().PutStr("class", "mine")
	body, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	require.NoError(t, err)
	resp, err := http.Post(s.Endpoint()+"/v1/logs", "application/x-protobuf", bytes.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	assert.Equal(t, uint64(3), s.Class("mine"))
	assert.Equal(t, uint64(3), s.Labelled("any", "mine"), "only classified records are labelled")
	assert.Equal(t, uint64(2), s.Labelled("pod", "mine", "other"))
	assert.Equal(t, uint64(2), s.Labelled("pod=a", "mine"))
	assert.Zero(t, s.Labelled("pod", "other"))
}
