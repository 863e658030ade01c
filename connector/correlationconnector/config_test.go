package correlationconnector

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/yairfalse/tapio/connector/correlationconnector/internal/metadata"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig()
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg.(*Config)
}

func TestLoadConfig(t *testing.T) {
	def := loadConfig(t, "")
	require.Equal(t, createDefaultConfig(), def)
	require.NoError(t, confmap.Validate(def))

	all := loadConfig(t, "all_settings")
	require.NoError(t, confmap.Validate(all))
	want := createDefaultConfig().(*Config)
	want.MaxOpenIncidents, want.MaxEventsPerIncident = 500, 16
	want.TTL, want.Lateness, want.ClusterDomain = 20*time.Minute, time.Minute, "corp.local"
	want.UpdateInterval = 0
	storage := component.MustNewIDWithName("file_storage", "correlation")
	want.Storage = &storage
	want.CheckpointInterval = 30 * time.Second
	want.Rules.OOM.Window = 5 * time.Minute
	want.Rules.CrashLoop.Window, want.Rules.CrashLoop.Threshold = 15*time.Minute, 5
	want.Rules.CNISetup.Enabled = false
	want.Rules.NodeRuntime.Window = 20 * time.Minute
	want.Rules.NodeRuntime.Units = []string{"kubelet.service", "crio.service"}
	want.Rules.DNS.Window, want.Rules.DNS.Threshold = 2*time.Minute, 10
	want.Rules.DNS.QueryTimeout, want.Rules.DNS.MaxPendingQueries = 2*time.Second, 1000
	want.Rules.Rollout.Window = 20 * time.Minute
	want.Rules.ConfigChange.Enabled = false
	want.Rules.Workload.Enabled = true
	require.Equal(t, want, all)
}

func TestInvalidConfig(t *testing.T) {
	for name, wants := range map[string][]error{
		"no_rules":        {errNoRules},
		"bad_bounds":      {errMaxOpenIncidents, errMaxEventsPerIncident, errTTL, errLateness, errUpdateInterval, errCheckpointInterval, errQueryTimeout},
		"window_over_ttl": {errTTLShorterThanWindow},
		"bad_rule":        {errWindow, errThreshold, errNoUnits},
	} {
		t.Run(name, func(t *testing.T) {
			err := confmap.Validate(loadConfig(t, name))
			require.Error(t, err)
			for _, want := range wants {
				require.ErrorIs(t, err, want)
			}
		})
	}
}
