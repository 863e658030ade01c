package loadgen

import "errors"

// The exporters' ids in the shipped agent (deploy/config/agent.yaml).
const (
	BackendExporter = "otlp_grpc/backend"
	GatewayExporter = "load_balancing"
)

// ShippedShape is what deploy/config/agent.yaml adds to the pipeline that
// the lighter test shape leaves out, each a cost on every event:
//   - memory_limiter first in the logs pipeline;
//   - the backend leg over OTLP/gRPC with gzip and an in-memory sending
//     queue;
//   - a second full export of every event, load_balancing to the gateway
//     over OTLP/gRPC with snappy, beside the logs pipeline's other
//     exporters (the correlation connector when there is one: the fanout
//     then clones each batch for the connector, which mutates it);
//   - tapio_cni and tapio_systemd checkpointing to file_storage.
//
// Only the addresses differ: the gateway is found through a static list
// of one address instead of the headless Service's DNS, and both legs
// point at sinks on loopback without TLS.
type ShippedShape struct {
	// StorageDir is file_storage's directory (created if missing).
	StorageDir string
	// BackendEndpoint and GatewayEndpoint are host:port of OTLP/gRPC
	// servers (ListenGRPCSink).
	BackendEndpoint, GatewayEndpoint string

	// Variations to measure against the shipped file, which the zero
	// values keep: each leg's compression ("none", "snappy", "zstd",
	// "gzip"; empty: as shipped), and the backend's sending queue on
	// file_storage, the opt-in the agent's file describes, instead of in
	// memory.
	GatewayCompression, BackendCompression string
	BackendQueueOnDisk                     bool
}

func (s *ShippedShape) validate() error {
	if s == nil {
		return nil
	}
	if s.StorageDir == "" || s.BackendEndpoint == "" || s.GatewayEndpoint == "" {
		return errors.New("shipped shape: StorageDir, BackendEndpoint and GatewayEndpoint are all needed")
	}
	return nil
}
