package unifiedeventexporter

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/exporter"
)

// onceLogs makes Shutdown safe to call twice. The exporter helper of core
// v0.165.0 closes a channel in its retry sender on every Shutdown, so a
// second call panics; components here promise a second call is a no-op.
type onceLogs struct {
	exporter.Logs
	once sync.Once
	err  error
}

func (o *onceLogs) Shutdown(ctx context.Context) error {
	o.once.Do(func() { o.err = o.Logs.Shutdown(ctx) })
	return o.err
}
