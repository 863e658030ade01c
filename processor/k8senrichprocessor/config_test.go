package k8senrichprocessor

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/yairfalse/tapio/internal/k8sclient"
	"github.com/yairfalse/tapio/processor/k8senrichprocessor/internal/metadata"
)

func loadConfig(t *testing.T, name string) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	id := component.NewID(metadata.Type)
	if name != "" {
		id = component.NewIDWithName(metadata.Type, name)
	}
	sub, err := cm.Sub(id.String())
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg, confmap.Validate(cfg)
}

func TestLoadConfig(t *testing.T) {
	cfg, err := loadConfig(t, "")
	require.NoError(t, err)
	assert.Equal(t, createDefaultConfig(), cfg)

	cfg, err = loadConfig(t, "all_settings")
	require.NoError(t, err)
	assert.Equal(t, &Config{
		AuthType: k8sclient.AuthKubeconfig, Kubeconfig: "/etc/tapio/kubeconfig", Context: "prod",
		QPS: 20, Burst: 40, NodeName: "node-a", PeerPods: false, HostProc: "/host/proc", CgroupRoot: "/host/sys/fs/cgroup",
		HoldBack: 500 * time.Millisecond, MaxHeldRecords: 2000, DeletedPodRetention: 10 * time.Minute,
	}, cfg)

	cfg, err = loadConfig(t, "no_hold_back")
	require.NoError(t, err)
	assert.Zero(t, cfg.HoldBack)
}

func TestInvalidConfig(t *testing.T) {
	cases := map[string]struct {
		sentinel error
		keys     []string
	}{
		"bad_auth":      {k8sclient.ErrAuthType, []string{"auth_type"}},
		"bad_rates":     {errPositive, []string{"qps", "burst"}},
		"bad_hold_back": {errNegative, []string{"hold_back", "max_held_records"}},
		"bad_retention": {errRetention, []string{"deleted_pod_retention"}},
		"bad_proc":      {errEmpty, []string{"host_proc"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := loadConfig(t, name)
			require.ErrorIs(t, err, c.sentinel)
			for _, k := range c.keys {
				assert.ErrorContains(t, err, k)
			}
		})
	}
}

func TestLoadConfigRejectsUnknownKeys(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig()
	err := confmap.NewFromStringMap(map[string]any{"hold_bak": "1s"}).Unmarshal(cfg)
	require.ErrorContains(t, err, "hold_bak")
}
