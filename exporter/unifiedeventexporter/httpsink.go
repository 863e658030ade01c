package unifiedeventexporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// maxResponseRead bounds what is read of a response: enough to put the
// server's message in an error, not enough to hold a runaway body.
const maxResponseRead = 4 << 10

// httpSink POSTs each batch to the endpoint. confighttp builds the client,
// so headers, timeout, TLS, auth and compression are the collector's own.
type httpSink struct {
	cfg      *HTTPConfig
	settings component.TelemetrySettings
	client   *http.Client
}

func newHTTPSink(cfg *HTTPConfig, set component.TelemetrySettings) *httpSink {
	return &httpSink{cfg: cfg, settings: set}
}

func (*httpSink) name() string { return "http" }

func (s *httpSink) start(ctx context.Context, host component.Host) error {
	client, err := s.cfg.ClientConfig.ToClient(ctx, host.GetExtensions(), s.settings)
	if err != nil {
		return fmt.Errorf("build http client: %w", err)
	}
	s.client = client
	return nil
}

func (s *httpSink) write(ctx context.Context, lines []byte) error {
	if s.client == nil {
		return errors.New("http sink not started")
	}
	body, contentType := lines, "application/x-ndjson"
	if s.cfg.Encoding == EncodingJSONArray {
		body, contentType = toJSONArray(lines), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.ClientConfig.Endpoint, bytes.NewReader(body))
	if err != nil {
		return consumererror.NewPermanent(fmt.Errorf("build request: %w", err))
	}
	req.Header.Set("Content-Type", contentType)

	resp, err := s.client.Do(req)
	if err != nil {
		// Refused connections, resets and timeouts are all worth retrying:
		// the server may be restarting or stalled.
		return fmt.Errorf("post %d bytes: %w", len(body), err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseRead))
		_ = resp.Body.Close()
	}()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseRead))
	err = fmt.Errorf("post %d bytes: %s: %s", len(body), resp.Status, bytes.TrimSpace(msg))
	if !retryable(resp.StatusCode) {
		return consumererror.NewPermanent(err)
	}
	if d, ok := retryAfter(resp.Header.Get("Retry-After")); ok {
		return exporterhelper.NewThrottleRetry(err, d)
	}
	return err
}

// retryable reports whether resending the same batch can succeed: the
// server was overloaded, timed out or failed, rather than refusing the
// request itself.
func retryable(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
}

// retryAfter reads a Retry-After header in seconds or as an HTTP date.
func retryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// toJSONArray turns JSON lines into one array. Newlines inside
// strings are escaped by the encoder, so every raw newline is a separator.
func toJSONArray(lines []byte) []byte {
	out := make([]byte, 0, len(lines)+1)
	out = append(out, '[')
	out = append(out, lines...)
	for i := 1; i < len(out); i++ {
		if out[i] == '\n' {
			out[i] = ','
		}
	}
	out[len(out)-1] = ']'
	return out
}

func (s *httpSink) shutdown(context.Context) error {
	if s.client != nil {
		s.client.CloseIdleConnections()
	}
	return nil
}
