package trimextension

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/yairfalse/tapio/extension/trimextension/internal/metadata"
)

func loadConfig(t *testing.T, name string) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	if err := sub.Unmarshal(cfg); err != nil {
		return nil, err
	}
	return cfg, confmap.Validate(cfg)
}

func TestConfigDefaultsGiveBackBoth(t *testing.T) {
	cfg, err := loadConfig(t, "")
	require.NoError(t, err)
	assert.True(t, cfg.Executable)
	assert.True(t, cfg.Heap)
}

func TestConfigHeapOnly(t *testing.T) {
	cfg, err := loadConfig(t, "heap_only")
	require.NoError(t, err)
	assert.False(t, cfg.Executable)
	assert.True(t, cfg.Heap)
}

func TestConfigThatDoesNothingIsRejected(t *testing.T) {
	_, err := loadConfig(t, "nothing")
	require.ErrorContains(t, err, "remove it from service.extensions")
}

func TestConfigUnknownKeyIsRejected(t *testing.T) {
	_, err := loadConfig(t, "typo")
	require.ErrorContains(t, err, "exectuable")
}
