package loadgen

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func render(t *testing.T, c Config) map[string]any {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, c.Write(path))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, yaml.Unmarshal(data, &out), "%s", data)
	return out
}

func logsPipeline(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	return m["service"].(map[string]any)["pipelines"].(map[string]any)["logs"].(map[string]any)
}

func TestConfigRendersTheAgentPipeline(t *testing.T) {
	c, err := NewConfig("/tmp/cni dir/*.log")
	require.NoError(t, err)
	c.Systemd = &SystemdSource{BusAddress: "unix:path=/x", JournalDir: "/j", Units: []string{"a-*", "b"}}
	c.K8s = &K8sSource{Kubeconfig: "/k"}
	c.FilePath = "/out.json"
	c.OTLPEndpoint = "http://127.0.0.1:1"
	c.Enrich = "  tapio_k8s_enrich: {}"
	c.PeerProcessors = "  k8s_attributes:\n    passthrough: false"
	c.ExtraReceivers = "  filelog/cni:\n    include: [/x]"
	c.ExtraPipelines = "    logs/filelog:\n      receivers: [filelog/cni]\n      exporters: [otlp_http]"
	c.ExtraProcessors = []string{"tapio_k8s_enrich", "k8s_attributes"}
	m := render(t, c)

	receivers := m["receivers"].(map[string]any)
	assert.Equal(t, []any{"/tmp/cni dir/*.log"}, receivers["tapio_cni"].(map[string]any)["include"])
	assert.Equal(t, []any{"a-*", "b"}, receivers["tapio_systemd"].(map[string]any)["units"])
	assert.Equal(t, "on", receivers["tapio_k8s_watch"].(map[string]any)["cluster_scoped"])
	assert.Contains(t, m["processors"], "tapio_k8s_enrich")
	assert.Equal(t, map[string]any{"passthrough": false}, m["processors"].(map[string]any)["k8s_attributes"])
	assert.Contains(t, receivers, "filelog/cni")
	assert.Contains(t, m["service"].(map[string]any)["pipelines"], "logs/filelog")
	logs := logsPipeline(t, m)
	assert.Equal(t, []any{"tapio_ebpf", "tapio_cni", "tapio_systemd", "tapio_k8s_watch"}, logs["receivers"])
	assert.Equal(t, []any{"tapio_unified", "tapio_k8s_enrich", "k8s_attributes", "batch"}, logs["processors"])
	assert.Equal(t, []any{"file", "otlp_http"}, logs["exporters"])
}

func TestConfigLeavesOutWhatIsNotSet(t *testing.T) {
	c, err := NewConfig("/cni/*.log")
	require.NoError(t, err)
	c.OTLPEndpoint = "http://127.0.0.1:1"
	m := render(t, c)
	assert.NotContains(t, m["receivers"], "tapio_systemd")
	assert.NotContains(t, m["receivers"], "tapio_k8s_watch")
	assert.NotContains(t, m, "connectors")
	assert.Equal(t, []any{"otlp_http"}, logsPipeline(t, m)["exporters"])
}

func TestConfigNeedsAnExporter(t *testing.T) {
	c, err := NewConfig("/cni/*.log")
	require.NoError(t, err)
	assert.ErrorContains(t, c.Write(filepath.Join(t.TempDir(), "c.yaml")), "no exporter")
}

func TestConfigRendersTheShippedShape(t *testing.T) {
	c, err := NewConfig("/cni/*.log")
	require.NoError(t, err)
	c.Systemd = &SystemdSource{BusAddress: "unix:path=/x", JournalDir: "/j", Units: []string{"a"}}
	c.Shipped = &ShippedShape{StorageDir: "/s", BackendEndpoint: "127.0.0.1:1", GatewayEndpoint: "127.0.0.1:2"}
	// As the e2e hooks put the correlation connector in front.
	c.LogsExporters = []string{"tapio_correlation"}
	m := render(t, c)

	ext := m["extensions"].(map[string]any)
	assert.Equal(t, "/s", ext["file_storage"].(map[string]any)["directory"])
	assert.Contains(t, m["service"].(map[string]any)["extensions"], "file_storage")
	receivers := m["receivers"].(map[string]any)
	assert.Equal(t, "file_storage", receivers["tapio_cni"].(map[string]any)["storage"])
	assert.Equal(t, "file_storage", receivers["tapio_systemd"].(map[string]any)["storage"])

	exporters := m["exporters"].(map[string]any)
	backend := exporters[BackendExporter].(map[string]any)
	assert.Equal(t, "127.0.0.1:1", backend["endpoint"])
	assert.Equal(t, "gzip", backend["compression"])
	assert.NotContains(t, backend["sending_queue"], "storage", "in memory, as shipped")
	lb := exporters[GatewayExporter].(map[string]any)
	assert.Equal(t, []any{"127.0.0.1:2"}, lb["resolver"].(map[string]any)["static"].(map[string]any)["hostnames"])
	assert.NotContains(t, exporters, "otlp_http")

	logs := logsPipeline(t, m)
	assert.Equal(t, []any{"memory_limiter", "tapio_unified", "batch"}, logs["processors"])
	assert.Equal(t, []any{"tapio_correlation", GatewayExporter}, logs["exporters"])
	assert.Equal(t, []string{BackendExporter}, c.Exporters(), "what hangs off the connector")
	assert.Equal(t, BackendExporter, c.BackendID())
}

func TestConfigShippedNeedsItsEndpoints(t *testing.T) {
	c, err := NewConfig("/cni/*.log")
	require.NoError(t, err)
	c.Shipped = &ShippedShape{StorageDir: "/s", BackendEndpoint: "127.0.0.1:1"}
	assert.ErrorContains(t, c.Write(filepath.Join(t.TempDir(), "c.yaml")), "GatewayEndpoint")
}

// The shipped shape is deploy/config/agent.yaml's: its exporters and
// memory_limiter are compared key by key, leaving out only what names a
// place (endpoints, TLS, how the gateways are found), so a change to the
// agent's file that the benchmark does not follow fails here.
func TestShippedShapeFollowsTheAgentConfig(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "config", "agent.yaml"))
	require.NoError(t, err)
	var agent map[string]any
	require.NoError(t, yaml.Unmarshal(data, &agent))

	c, err := NewConfig("/cni/*.log")
	require.NoError(t, err)
	c.Shipped = &ShippedShape{StorageDir: "/s", BackendEndpoint: "127.0.0.1:1", GatewayEndpoint: "127.0.0.1:2"}
	c.LogsExporters = []string{"tapio_correlation"}
	bench := render(t, c)

	var placeless func(map[string]any) map[string]any
	placeless = func(m map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range m {
			switch k {
			case "endpoint", "tls", "resolver":
				continue
			}
			if sub, ok := v.(map[string]any); ok {
				v = placeless(sub)
			}
			out[k] = v
		}
		return out
	}
	section := func(m map[string]any, kind, id string) map[string]any {
		t.Helper()
		v, ok := m[kind].(map[string]any)[id].(map[string]any)
		require.True(t, ok, "%s %s", kind, id)
		return placeless(v)
	}
	for _, id := range []string{BackendExporter, GatewayExporter} {
		assert.Equal(t, section(agent, "exporters", id), section(bench, "exporters", id), "exporter %s", id)
	}
	assert.Equal(t, section(agent, "processors", "memory_limiter"), section(bench, "processors", "memory_limiter"))
	agentLogs := agent["service"].(map[string]any)["pipelines"].(map[string]any)["logs/events"].(map[string]any)
	assert.Equal(t, agentLogs["exporters"], logsPipeline(t, bench)["exporters"])
}
