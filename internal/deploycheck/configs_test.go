package deploycheck

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/healthcheckextension"
	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/otlpexporter"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/otelcol/otelcoltest"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/batchprocessor"
	"go.opentelemetry.io/collector/processor/memorylimiterprocessor"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/service/telemetry/otelconftelemetry"
	"go.yaml.in/yaml/v3"

	"github.com/yairfalse/tapio/connector/correlationconnector"
	"github.com/yairfalse/tapio/processor/k8senrichprocessor"
	"github.com/yairfalse/tapio/processor/unifiedeventprocessor"
	"github.com/yairfalse/tapio/receiver/cnireceiver"
	"github.com/yairfalse/tapio/receiver/ebpfreceiver"
	"github.com/yairfalse/tapio/receiver/k8swatchreceiver"
	"github.com/yairfalse/tapio/receiver/systemdreceiver"
)

// The gateway's config loads and validates with the components it names,
// pipelines and connector wiring included, as `otelcol-tapio validate`
// would.
func TestGatewayConfigValidates(t *testing.T) {
	_, err := otelcoltest.LoadConfigAndValidate(filepath.Join(deployDir, "config", "gateway.yaml"), deployFactories(t))
	require.NoError(t, err)
}

// The agent's config, likewise, except for the contrib load_balancing
// exporter: it is not a module of this repository yet, so it is taken out
// of a copy (its section was validated against loadbalancingexporter
// v0.161.0 outside the repository; see docs/operator-guide.md).
func TestAgentConfigValidatesWithoutTheLoadBalancer(t *testing.T) {
	var doc map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(readFile(t, agentConfig)), &doc))
	exporters := doc["exporters"].(map[string]any)
	require.Contains(t, exporters, "load_balancing")
	delete(exporters, "load_balancing")
	for _, p := range doc["service"].(map[string]any)["pipelines"].(map[string]any) {
		pipe := p.(map[string]any)
		list, _ := pipe["exporters"].([]any)
		pipe["exporters"] = slices.DeleteFunc(list, func(e any) bool { return e == "load_balancing" })
	}
	data, err := yaml.Marshal(doc)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "agent.yaml")
	require.NoError(t, os.WriteFile(path, data, 0o600))

	_, err = otelcoltest.LoadConfigAndValidate(path, deployFactories(t))
	require.NoError(t, err)
}

// deployFactories are the components the deploy configs use, from the
// modules the distribution builds with.
func deployFactories(t *testing.T) otelcol.Factories {
	t.Helper()
	var f otelcol.Factories
	var err error
	f.Receivers, err = otelcol.MakeFactoryMap[receiver.Factory](otlpreceiver.NewFactory(),
		ebpfreceiver.NewFactory(), cnireceiver.NewFactory(), systemdreceiver.NewFactory(), k8swatchreceiver.NewFactory())
	require.NoError(t, err)
	f.Processors, err = otelcol.MakeFactoryMap[processor.Factory](memorylimiterprocessor.NewFactory(),
		batchprocessor.NewFactory(), unifiedeventprocessor.NewFactory(), k8senrichprocessor.NewFactory())
	require.NoError(t, err)
	f.Connectors, err = otelcol.MakeFactoryMap[connector.Factory](correlationconnector.NewFactory())
	require.NoError(t, err)
	f.Exporters, err = otelcol.MakeFactoryMap[exporter.Factory](otlpexporter.NewFactory())
	require.NoError(t, err)
	f.Extensions, err = otelcol.MakeFactoryMap[extension.Factory](healthcheckextension.NewFactory(), filestorage.NewFactory())
	require.NoError(t, err)
	f.Telemetry = otelconftelemetry.NewFactory()
	return f
}
