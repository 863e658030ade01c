package e2e

import (
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/receiver/filelogreceiver"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.yaml.in/yaml/v3"

	"github.com/yairfalse/tapio/internal/loadgen"
)

// The filelog peer is configured only once the distribution has it, so
// its YAML is checked here against the real receiver: it must unmarshal,
// validate and build (the regex and the timestamp layout included).
func TestFilelogPeerConfigBuilds(t *testing.T) {
	cfg, err := loadgen.NewConfig("/var/log/cni/*.log")
	require.NoError(t, err)
	filelogPeer(&cfg)
	var parsed map[string]map[string]map[string]any
	require.NoError(t, yaml.Unmarshal([]byte("receivers:\n"+cfg.ExtraReceivers), &parsed))
	section, ok := parsed["receivers"]["filelog/cni"]
	require.True(t, ok, "%s", cfg.ExtraReceivers)

	f := filelogreceiver.NewFactory()
	rc := f.CreateDefaultConfig()
	require.NoError(t, confmap.NewFromStringMap(section).Unmarshal(rc))
	require.NoError(t, confmap.Validate(rc))
	set := receivertest.NewNopSettings(f.Type())
	set.ID = component.MustNewIDWithName(f.Type().String(), "cni")
	r, err := f.CreateLogs(t.Context(), set, rc, consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, r.Shutdown(t.Context()))
}
