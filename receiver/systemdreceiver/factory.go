package systemdreceiver

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/yairfalse/tapio/receiver/systemdreceiver/internal/metadata"
)

// NewFactory returns the factory of the tapio_systemd receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
	)
}

// createDefaultConfig watches the node agents Kubernetes depends on: the
// kubelet and whichever container runtime the node runs.
func createDefaultConfig() component.Config {
	return &Config{
		BusAddress:    "unix:path=/run/dbus/system_bus_socket",
		Units:         []string{"kubelet.service", "containerd.service", "crio.service", "docker.service"},
		IncludeFailed: true,
		Journal: JournalConfig{
			Enabled:        true,
			Priority:       "info",
			StartAt:        "end",
			JournalctlPath: "journalctl",
			MaxBatchSize:   256,
		},
		Reconnect: BackoffConfig{InitialInterval: time.Second, MaxInterval: 30 * time.Second},
	}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	return newSystemdReceiver(set, cfg.(*Config), next)
}
