package k8swatchreceiver

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/yairfalse/tapio/receiver/k8swatchreceiver/internal/metadata"
)

// NewFactory returns the factory of the tapio_k8s_watch receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
	)
}

// createDefaultConfig suits the agent DaemonSet: node-local streams on
// every node, Events once per cluster through the Lease.
func createDefaultConfig() component.Config {
	return &Config{
		AuthType:      AuthServiceAccount,
		Pods:          true,
		Node:          true,
		Events:        true,
		ClusterScoped: ClusterScopedLeaderElection,
		LeaderElection: LeaderElectionConfig{
			LeaseName:     "tapio-k8s-watch",
			LeaseDuration: 15 * time.Second,
			RenewDeadline: 10 * time.Second,
			RetryPeriod:   2 * time.Second,
		},
		QPS:   5,
		Burst: 10,
	}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	return newReceiver(set, cfg.(*Config), next)
}
