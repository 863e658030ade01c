package unifiedeventexporter

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/yairfalse/tapio/exporter/unifiedeventexporter/internal/metadata"
)

func loadConfig(t *testing.T, name string) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg, confmap.Validate(cfg)
}

func TestLoadConfigFile(t *testing.T) {
	cfg, err := loadConfig(t, "file_all_settings")
	require.NoError(t, err)
	require.True(t, cfg.File.HasValue())
	assert.False(t, cfg.HTTP.HasValue())
	f := cfg.File.Get()
	assert.Equal(t, "/var/log/tapio/events.jsonl", f.Path)
	assert.Equal(t, 50, f.Rotation.MaxMegabytes)
	assert.Equal(t, 7, f.Rotation.MaxDays)
	assert.Equal(t, 3, f.Rotation.MaxBackups)
	assert.Equal(t, time.Hour, f.Rotation.Interval)
	assert.True(t, f.Rotation.LocalTime)
	q := cfg.QueueConfig.Get()
	assert.Equal(t, int64(5000), q.QueueSize)
	require.NotNil(t, q.StorageID)
	assert.Equal(t, "file_storage", q.StorageID.String())
	assert.Equal(t, 10*time.Minute, cfg.RetryConfig.MaxElapsedTime)
}

func TestLoadConfigFileDefaults(t *testing.T) {
	cfg, err := loadConfig(t, "file")
	require.NoError(t, err)
	f := cfg.File.Get()
	assert.Equal(t, 100, f.Rotation.MaxMegabytes)
	assert.Equal(t, 10, f.Rotation.MaxBackups)
	assert.True(t, cfg.QueueConfig.HasValue())
	assert.True(t, cfg.RetryConfig.Enabled)
}

func TestLoadConfigHTTP(t *testing.T) {
	cfg, err := loadConfig(t, "http")
	require.NoError(t, err)
	h := cfg.HTTP.Get()
	assert.Equal(t, EncodingJSONLines, h.Encoding)
	assert.Equal(t, configcompression.TypeGzip, h.ClientConfig.Compression)
	assert.Equal(t, 30*time.Second, h.ClientConfig.Timeout)

	cfg, err = loadConfig(t, "http_all_settings")
	require.NoError(t, err)
	h = cfg.HTTP.Get()
	assert.Equal(t, EncodingJSONArray, h.Encoding)
	assert.Equal(t, 5*time.Second, h.ClientConfig.Timeout)
	assert.Equal(t, configcompression.Type("none"), h.ClientConfig.Compression)
	v, ok := h.ClientConfig.Headers.Get("Authorization")
	require.True(t, ok)
	assert.Equal(t, "Bearer secret", string(v))
}

func TestLoadConfigInvalid(t *testing.T) {
	for name, want := range map[string]error{
		"":                  errNoSink,
		"both":              errTwoSinks,
		"no_path":           errNoPath,
		"negative_rotation": errNegativeLimit,
		"no_endpoint":       errNoEndpoint,
		"bad_encoding":      errUnknownEncoding,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loadConfig(t, name)
			require.ErrorIs(t, err, want)
		})
	}
}

func TestLoadConfigRejectsUnknownKeys(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig()
	err := confmap.NewFromStringMap(map[string]any{
		"file": map[string]any{"path": "/tmp/x", "max_size": 3},
	}).Unmarshal(cfg)
	require.ErrorContains(t, err, "max_size")
}
