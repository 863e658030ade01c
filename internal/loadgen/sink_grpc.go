package loadgen

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	// The codecs the collector's own OTLP/gRPC servers take (gzip, snappy,
	// zstd) are registered by configgrpc, as in the gateway, so the sink
	// takes whatever compression the agent's exporters are given.
	_ "go.opentelemetry.io/collector/config/configgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"
)

// ListenGRPCSink starts a sink that speaks OTLP/gRPC, as the agent's
// backend (otlp_grpc) and gateway (load_balancing) exporters do, on a
// free loopback port. classify is as for ListenSink.
func ListenGRPCSink(classify func(plog.LogRecord) string) (*Sink, error) {
	s, err := newSink(classify)
	if err != nil {
		return nil, err
	}
	s.grpc = grpc.NewServer(grpc.StatsHandler(payloadSizes{s: s}))
	plogotlp.RegisterGRPCServer(s.grpc, &grpcLogs{s: s})
	go func() {
		defer close(s.done)
		_ = s.grpc.Serve(s.ln)
	}()
	return s, nil
}

// grpcLogs implements Export; the embedded type provides the interface's
// unexported method.
type grpcLogs struct {
	plogotlp.UnimplementedGRPCServer
	s *Sink
}

func (g *grpcLogs) Export(_ context.Context, req plogotlp.ExportRequest) (plogotlp.ExportResponse, error) {
	// gRPC has decoded the request by now, as io.ReadAll has read the
	// HTTP body when the HTTP sink stamps its arrival.
	g.s.take(req.Logs(), time.Now())
	return plogotlp.NewExportResponse(), nil
}

// payloadSizes adds each request's size, as encoded and as sent, to the
// sink's byte counts: what the exporter's marshalling and compression
// worked on.
type payloadSizes struct{ s *Sink }

func (p payloadSizes) HandleRPC(_ context.Context, st stats.RPCStats) {
	if in, ok := st.(*stats.InPayload); ok {
		p.s.addBytes(in.Length, in.CompressedLength)
	}
}

func (payloadSizes) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context   { return ctx }
func (payloadSizes) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (payloadSizes) HandleConn(context.Context, stats.ConnStats)                       {}
