package ebpfreceiver

import (
	"context"
	"slices"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/yairfalse/tapio/internal/ebpf"
	"github.com/yairfalse/tapio/receiver/ebpfreceiver/internal/metadata"
)

// NewFactory returns the factory of the tapio_ebpf receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
	)
}

// createDefaultConfig takes the kernel-side defaults from the loader, so
// the two cannot drift apart.
func createDefaultConfig() component.Config {
	probe := ebpf.DefaultConfig()
	return &Config{
		Events:             slices.Clone(allKinds),
		RingBufferSize:     probe.RingSize,
		WakeupBytes:        probe.WakeupBytes,
		ReadInterval:       4 * time.Millisecond,
		ArgvBytes:          probe.ArgvBytes,
		RateLimit:          RateLimitConfig{EventsPerSecond: probe.RatePerSec, Burst: probe.Burst},
		LossReportInterval: 5 * time.Second,
		MaxBatchSize:       512,
		MaxBatchDelay:      2 * time.Millisecond,
	}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	return newEBPFReceiver(set, cfg.(*Config), next)
}
