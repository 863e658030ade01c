package grpcgzip

import (
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/exporter/otlpexporter"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
)

// The collector's own OTLP/gRPC exporter, set to gzip as the agent's
// backend leg is, reaches the collector's OTLP receiver through this
// codec at both ends: every record of batches sent from several
// goroutines at once arrives intact, so pooled writers and readers are
// never shared between two messages.
func TestOTLPExportThroughTheCodec(t *testing.T) {
	ctx := t.Context()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	endpoint := l.Addr().String()
	require.NoError(t, l.Close())

	rf := otlpreceiver.NewFactory()
	rcfg := rf.CreateDefaultConfig().(*otlpreceiver.Config)
	rcfg.Protocols.GRPC.GetOrInsertDefault().NetAddr.Endpoint = endpoint
	sink := new(consumertest.LogsSink)
	r, err := rf.CreateLogs(ctx, receivertest.NewNopSettings(rf.Type()), rcfg, sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(ctx, componenttest.NewNopHost()))
	defer func() { require.NoError(t, r.Shutdown(ctx)) }()

	ef := otlpexporter.NewFactory()
	ecfg := ef.CreateDefaultConfig().(*otlpexporter.Config)
	ecfg.ClientConfig.Endpoint = endpoint
	ecfg.ClientConfig.TLS.Insecure = true
	ecfg.ClientConfig.Compression = configcompression.TypeGzip
	// No queue: each ConsumeLogs is one request, answered before it returns.
	ecfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	exp, err := ef.CreateLogs(ctx, exportertest.NewNopSettings(ef.Type()), ecfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(ctx, componenttest.NewNopHost()))
	defer func() { require.NoError(t, exp.Shutdown(ctx)) }()

	const senders, batches, records = 4, 10, 200
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for b := range batches {
				ld := plog.NewLogs()
				lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
				for i := range records {
					lr := lrs.AppendEmpty()
					lr.Body().SetStr("sender " + strconv.Itoa(s) + " batch " + strconv.Itoa(b) + " record " + strconv.Itoa(i))
					lr.Attributes().PutStr("k8s.pod.name", "api-7d9f8c6b5-x2x4q")
				}
				// assert, not require: this is not the test's goroutine.
				assert.NoError(t, exp.ConsumeLogs(ctx, ld))
			}
		})
	}
	wg.Wait()
	require.False(t, t.Failed(), "an export failed")
	require.Eventually(t, func() bool { return sink.LogRecordCount() == senders*batches*records }, 10*time.Second, 10*time.Millisecond)
	seen := map[string]bool{}
	for _, ld := range sink.AllLogs() {
		lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
		for i := range lrs.Len() {
			seen[lrs.At(i).Body().Str()] = true
		}
	}
	require.Len(t, seen, senders*batches*records, "every record once, intact")
}
