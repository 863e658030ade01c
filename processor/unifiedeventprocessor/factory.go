package unifiedeventprocessor

import (
	"context"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/yairfalse/tapio/internal/decode"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/metadata"
)

// NewFactory returns the factory of the tapio_unified processor.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		metadata.Type,
		createDefaultConfig,
		processor.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{}
}

func createLogs(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	registry, err := defaultRegistry()
	if err != nil {
		return nil, fmt.Errorf("build decoder registry: %w", err)
	}
	return newLogsProcessor(ctx, set, cfg.(*Config), next, registry)
}

// newLogsProcessor is createLogs with the registry given, so tests can
// drive the processor with decoders of their own.
func newLogsProcessor(ctx context.Context, set processor.Settings, cfg *Config, next consumer.Logs, registry *decode.Registry) (processor.Logs, error) {
	p, err := newUnifiedProcessor(set, cfg, registry)
	if err != nil {
		return nil, err
	}
	return processorhelper.NewLogs(ctx, set, cfg, next, p.processLogs,
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}),
		processorhelper.WithStart(p.start),
		processorhelper.WithShutdown(p.shutdown),
	)
}
