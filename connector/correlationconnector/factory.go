package correlationconnector

import (
	"context"
	"slices"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/metadata"
	"github.com/yairfalse/tapio/connector/correlationconnector/internal/rules"
)

// NewFactory returns the factory of the tapio_correlation connector. The
// output kinds of one connector share one engine (see core), so the
// incident records, traces and metrics come from the same incidents.
func NewFactory() connector.Factory {
	return connector.NewFactory(
		metadata.Type,
		createDefaultConfig,
		connector.WithLogsToLogs(createLogsToLogs, metadata.LogsToLogsStability),
		connector.WithLogsToTraces(createLogsToTraces, metadata.LogsToTracesStability),
		connector.WithLogsToMetrics(createLogsToMetrics, metadata.LogsToMetricsStability),
	)
}

func createDefaultConfig() component.Config {
	rule := func(window time.Duration, threshold int) RuleConfig {
		return RuleConfig{Enabled: true, Window: window, Threshold: threshold}
	}
	return &Config{
		MaxOpenIncidents:     10_000,
		MaxEventsPerIncident: 64,
		TTL:                  15 * time.Minute,
		Lateness:             30 * time.Second,
		UpdateInterval:       10 * time.Second,
		CheckpointInterval:   time.Minute,
		ClusterDomain:        "cluster.local",
		Rules: RulesConfig{
			OOM:         rule(10*time.Minute, 1),
			CrashLoop:   rule(10*time.Minute, 3),
			CNISetup:    rule(5*time.Minute, 1),
			NodeRuntime: NodeRuntimeConfig{RuleConfig: rule(10*time.Minute, 1), Units: slices.Clone(rules.DefaultRuntimeUnits)},
			// glibc waits 5s for an answer before it retries.
			DNS: DNSConfig{RuleConfig: rule(5*time.Minute, 5), QueryTimeout: 5 * time.Second, MaxPendingQueries: 100_000},

			ServiceNoBackends: rule(2*time.Minute, 5),
			OOMCascade:        rule(10*time.Minute, 1),
			Rollout:           rule(15*time.Minute, 1),
			NodePressure:      rule(10*time.Minute, 5),
			ConfigChange:      rule(10*time.Minute, 2),
			Trace:             rule(5*time.Minute, 3),
			Workload:          RuleConfig{Enabled: false, Window: 5 * time.Minute, Threshold: 5},
		},
	}
}

func createLogsToLogs(_ context.Context, set connector.Settings, cfg component.Config, next consumer.Logs) (connector.Logs, error) {
	return newConnector(set, cfg.(*Config), output{logs: next})
}

func createLogsToTraces(_ context.Context, set connector.Settings, cfg component.Config, next consumer.Traces) (connector.Logs, error) {
	return newConnector(set, cfg.(*Config), output{traces: next})
}

func createLogsToMetrics(_ context.Context, set connector.Settings, cfg component.Config, next consumer.Metrics) (connector.Logs, error) {
	return newConnector(set, cfg.(*Config), output{metrics: next})
}
