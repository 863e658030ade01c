package cnireceiver

import (
	"context"
	"slices"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/yairfalse/tapio/receiver/cnireceiver/internal/metadata"
)

// NewFactory returns the factory of the tapio_cni receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		Include:            slices.Clone(defaultInclude),
		StartAt:            startAtEnd,
		PollInterval:       200 * time.Millisecond,
		MaxEntrySize:       1 << 20,
		ForceFlushPeriod:   500 * time.Millisecond,
		FingerprintSize:    1 << 10,
		OnTruncate:         fileconsumer.OnTruncateReadWholeFile,
		MaxConcurrentFiles: 64,
	}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	return newCNIReceiver(set, cfg.(*Config), next)
}
