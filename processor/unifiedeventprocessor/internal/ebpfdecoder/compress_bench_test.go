package ebpfdecoder_test

import (
	stdgzip "compress/gzip"
	"io"
	"testing"

	// Registers the snappy and zstd codecs the collector's exporters use.
	_ "go.opentelemetry.io/collector/config/configgrpc"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/grpc/encoding"

	// The distribution's gzip codec, as otelcol-tapio registers it.
	_ "github.com/yairfalse/tapio/internal/grpcgzip"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/unifiedeventtest"
)

// BenchmarkExportCompression is what each OTLP/gRPC export request of the
// agent costs to compress: one request of the bench-e2e mix as tapio_unified
// decodes it (70 records, the size the agent's exporters sent at 10,000
// events/s), through each codec gRPC has registered, beside the standard
// library's gzip at its default level, which was gRPC's own gzip codec
// before internal/grpcgzip replaced it. It lives here because the mix is
// built here. ratio is the request's size over the compressed size.
func BenchmarkExportCompression(b *testing.B) {
	request := exportRequest(b, 70)
	stdlib := stdgzip.NewWriter(io.Discard)
	codecs := []struct {
		name     string
		compress func(io.Writer) (io.WriteCloser, error)
	}{
		{"gzip", encoding.GetCompressor("gzip").Compress},
		{"stdlib-gzip-default", func(w io.Writer) (io.WriteCloser, error) { stdlib.Reset(w); return stdlib, nil }},
		{"zstd", encoding.GetCompressor("zstd").Compress},
		{"snappy", encoding.GetCompressor("snappy").Compress},
	}
	for _, c := range codecs {
		b.Run(c.name, func(b *testing.B) {
			var out countingWriter
			b.SetBytes(int64(len(request)))
			b.ReportAllocs()
			for b.Loop() {
				out = 0
				w, err := c.compress(&out)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := w.Write(request); err != nil {
					b.Fatal(err)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(request))/float64(out), "ratio")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/70, "ns/record")
		})
	}
}

// exportRequest is the OTLP request of the first n decoded records of the
// mix, in rounds as the receivers hand them on.
func exportRequest(b *testing.B, n int) []byte {
	newRound := mixRound(b)
	ld := plog.NewLogs()
	for ld.LogRecordCount() < n {
		for _, in := range newRound() {
			records := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
			for _, lr := range unifiedeventtest.Process(b, in) {
				if ld.LogRecordCount() < n {
					lr.CopyTo(records.AppendEmpty())
				}
			}
		}
	}
	data, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	if err != nil {
		b.Fatal(err)
	}
	return data
}

type countingWriter int

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}
