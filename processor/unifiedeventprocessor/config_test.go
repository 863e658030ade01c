package unifiedeventprocessor

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/yairfalse/tapio/processor/unifiedeventprocessor/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	tests := []struct {
		id   component.ID
		want *Config
	}{
		{id: component.NewID(metadata.Type), want: &Config{}},
		{id: component.NewIDWithName(metadata.Type, "keep_raw"), want: &Config{KeepRaw: true}},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			require.NoError(t, confmap.Validate(cfg))
			assert.Equal(t, tt.want, cfg)
		})
	}
}

func TestLoadConfigRejectsUnknownKeys(t *testing.T) {
	cm := map[string]any{"keep_raww": true}
	cfg := NewFactory().CreateDefaultConfig()
	err := confmap.NewFromStringMap(cm).Unmarshal(cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "keep_raww")
}
