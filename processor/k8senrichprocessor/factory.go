package k8senrichprocessor

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/yairfalse/tapio/internal/k8sclient"
	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/metadata"
)

// NewFactory returns the factory of the tapio_k8s_enrich processor.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		metadata.Type,
		createDefaultConfig,
		processor.WithLogs(createLogs, metadata.LogsStability),
	)
}

// createDefaultConfig suits the agent DaemonSet.
func createDefaultConfig() component.Config {
	return &Config{
		AuthType:            k8sclient.AuthServiceAccount,
		QPS:                 5,
		Burst:               10,
		PeerPods:            true,
		HostProc:            "/proc",
		HoldBack:            2 * time.Second,
		MaxHeldRecords:      10000,
		DeletedPodRetention: 5 * time.Minute,
	}
}

func createLogs(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	pl, _, err := newLogsProcessor(ctx, set, cfg.(*Config), next)
	return pl, err
}

// newLogsProcessor is createLogs that also hands back the processor, so
// tests can wait for its cache.
func newLogsProcessor(ctx context.Context, set processor.Settings, cfg *Config, next consumer.Logs) (processor.Logs, *enrichProcessor, error) {
	p, err := newEnrichProcessor(set, cfg, next)
	if err != nil {
		return nil, nil, err
	}
	pl, err := processorhelper.NewLogs(ctx, set, cfg, next, p.processLogs,
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}),
		processorhelper.WithStart(p.start),
		processorhelper.WithShutdown(p.shutdown),
	)
	return pl, p, err
}
