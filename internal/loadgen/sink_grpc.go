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
)

// ListenGRPCSink starts a sink that speaks OTLP/gRPC, as the agent's
// backend (otlp_grpc) and gateway (load_balancing) exporters do, on a
// free loopback port. classify is as for ListenSink.
func ListenGRPCSink(classify func(plog.LogRecord) string) (*Sink, error) {
	s, err := newSink(classify)
	if err != nil {
		return nil, err
	}
	s.grpc = grpc.NewServer()
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
