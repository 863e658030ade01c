package unifiedeventexporter

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/yairfalse/tapio/exporter/unifiedeventexporter/internal/metadata"
	"github.com/yairfalse/tapio/exporter/unifiedeventexporter/internal/metadatatest"
)

// httpConfig points the exporter at url with a short timeout and fast
// retries, so a stalled or failing server costs the test little time.
func httpConfig(url, encoding string) *Config {
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	h := cfg.HTTP.GetOrInsertDefault()
	h.ClientConfig.Endpoint = url
	h.ClientConfig.Timeout = 300 * time.Millisecond
	h.ClientConfig.Headers.Set("X-Tenant", configopaque.String("team-a"))
	h.Encoding = encoding
	cfg.File = configoptional.None[FileConfig]()
	cfg.RetryConfig.InitialInterval = 10 * time.Millisecond
	cfg.RetryConfig.MaxInterval = 50 * time.Millisecond
	cfg.RetryConfig.MaxElapsedTime = time.Minute
	return cfg
}

// TestHTTPFailsStallsRecoversNothingLost: the server answers 503, then
// hangs past the client timeout, then throttles with 429, then recovers;
// every event arrives exactly once, because none of those stored anything.
func TestHTTPFailsStallsRecoversNothingLost(t *testing.T) {
	for _, enc := range []string{EncodingJSONLines, EncodingJSONArray} {
		t.Run(enc, func(t *testing.T) {
			srv := newEventServer(t, func(n int64) action {
				switch {
				case n <= 6:
					return fail
				case n <= 10:
					return stall
				case n <= 12:
					return throttle
				default:
					return accept
				}
			})
			tt := componenttest.NewTelemetry()
			t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
			exp := startLogs(t, metadatatest.NewSettings(tt), httpConfig(srv.srv.URL, enc))

			const batches, per = 10, 20
			for b := 0; b < batches; b++ {
				require.NoError(t, exp.ConsumeLogs(t.Context(), testLogs(b*per, per)))
			}
			require.Eventually(t, func() bool { return srv.seenAll(0, batches*per) }, 30*time.Second, 10*time.Millisecond)
			require.NoError(t, exp.Shutdown(t.Context()))

			assert.Equal(t, int64(8), srv.failed.Load())
			assert.Equal(t, int64(4), srv.stalled.Load())
			requireExactlyOnce(t, srv.snapshot(), 0, batches*per)
			srv.mu.Lock()
			for _, h := range srv.headers {
				assert.Equal(t, "team-a", h.Get("X-Tenant"))
				assert.Equal(t, "gzip", h.Get("Content-Encoding"))
			}
			srv.mu.Unlock()
			metadatatest.AssertEqualTapioUnifiedEventEventsWritten(t, tt, []metricdata.DataPoint[int64]{
				{Value: batches * per, Attributes: attribute.NewSet(attribute.String("sink", "http"))},
			}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
		})
	}
}

// TestHTTPStallAfterAcceptRedeliversSameIDs: a server that stores a batch
// but never answers makes the client retry a delivered batch. That is the
// at-least-once case; the repeated events carry the same tapio.event.id, so
// a consumer deduplicating by id sees each once.
func TestHTTPStallAfterAcceptRedeliversSameIDs(t *testing.T) {
	srv := newEventServer(t, func(n int64) action {
		if n == 1 {
			return acceptThenStall
		}
		return accept
	})
	cfg := httpConfig(srv.srv.URL, EncodingJSONLines)
	cfg.HTTP.Get().ClientConfig.Compression = configcompression.Type("none")
	exp := startLogs(t, exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, exp.ConsumeLogs(t.Context(), testLogs(0, 20)))
	require.Eventually(t, func() bool { return srv.requests.Load() >= 2 && srv.seenAll(0, 20) }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, exp.Shutdown(t.Context()))

	counts := srv.snapshot()
	require.Len(t, counts, 20, "deduplicated by id: each event once")
	for i := 0; i < 20; i++ {
		assert.Equal(t, 2, counts[testEvent(i).ID], "event %d delivered twice under one id", i)
	}
}

// TestHTTPClientErrorIsNotRetried: a 4xx means the server refuses the batch
// itself; resending it cannot help, so it fails at once as permanent.
func TestHTTPClientErrorIsNotRetried(t *testing.T) {
	srv := newEventServer(t, func(int64) action { return reject })
	cfg := httpConfig(srv.srv.URL, EncodingJSONLines)
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	exp := startLogs(t, exportertest.NewNopSettings(metadata.Type), cfg)
	err := exp.ConsumeLogs(t.Context(), testLogs(0, 5))
	require.Error(t, err)
	assert.True(t, consumererror.IsPermanent(err), "%v", err)
	assert.ErrorContains(t, err, "400")
	require.NoError(t, exp.Shutdown(t.Context()))
	assert.Equal(t, int64(1), srv.requests.Load())
}

func TestRetryAfter(t *testing.T) {
	d, ok := retryAfter("7")
	assert.True(t, ok)
	assert.Equal(t, 7*time.Second, d)
	d, ok = retryAfter(time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat))
	assert.True(t, ok, "a date in the past means now")
	assert.Zero(t, d)
	d, ok = retryAfter(time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
	assert.True(t, ok)
	assert.InDelta(t, time.Hour.Seconds(), d.Seconds(), 5)
	for _, bad := range []string{"", "-3", "soon"} {
		_, ok = retryAfter(bad)
		assert.False(t, ok, "%q", bad)
	}
}

func TestRetryableStatuses(t *testing.T) {
	for code, want := range map[int]bool{
		200: false, 400: false, 401: false, 404: false, 413: false,
		408: true, 429: true, 500: true, 502: true, 503: true, 504: true,
	} {
		assert.Equal(t, want, retryable(code), "%d", code)
	}
}
