package cnireceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/yairfalse/tapio/receiver/cnireceiver/internal/metadata"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	id := component.NewID(metadata.Type)
	if name != "" {
		id = component.NewIDWithName(metadata.Type, name)
	}
	sub, err := cm.Sub(id.String())
	require.NoError(t, err)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg
}

func TestLoadConfig(t *testing.T) {
	def := loadConfig(t, "")
	require.NoError(t, confmap.Validate(def))
	assert.Equal(t, createDefaultConfig(), def)

	all := loadConfig(t, "all_settings")
	require.NoError(t, confmap.Validate(all))
	storage := component.MustNewIDWithName("file_storage", "cni")
	assert.Equal(t, &Config{
		Include:            []string{"/var/log/calico/cni/cni.log", "/var/log/cni/*.log*"},
		Exclude:            []string{"/var/log/cni/*.gz"},
		StartAt:            "beginning",
		PollInterval:       time.Second,
		MaxEntrySize:       256 << 10,
		Multiline:          MultilineConfig{LineStartPattern: `\d{4}-\d{2}-\d{2}`},
		ForceFlushPeriod:   2 * time.Second,
		FingerprintSize:    2 << 10,
		OnTruncate:         "read_new",
		MaxConcurrentFiles: 16,
		StorageID:          &storage,
		NodeName:           "node-a",
	}, all)
}

func TestDefaultsCoverThePlugins(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	assert.Equal(t, []string{
		"/var/log/cni/*.log",
		"/var/log/calico/cni/cni.log",
		"/var/log/aws-routed-eni/plugin.log",
		"/var/log/cilium-cni.log",
		"/var/run/cilium/cilium-cni.log",
		"/var/log/multus.log",
	}, cfg.Include)
	assert.Equal(t, "end", cfg.StartAt)
	assert.EqualValues(t, 1<<20, cfg.MaxEntrySize)
	assert.Nil(t, cfg.StorageID)
}

func TestInvalidConfigsNameTheProblem(t *testing.T) {
	cases := map[string]struct {
		err  error
		text string
	}{
		"no_include":      {errNoInclude, "include is empty"},
		"bad_start_at":    {errStartAt, `"middle"`},
		"bad_pattern":     {errPattern, "multiline.line_start_pattern"},
		"bad_glob":        {errBadGlob, "include/exclude"},
		"bad_on_truncate": {errOnTruncate, `"reread"`},
		"entry_too_long":  {errEntryTooLong, "max_entry_size"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := loadConfig(t, name).Validate()
			require.ErrorIs(t, err, tc.err)
			assert.Contains(t, err.Error(), tc.text)
		})
	}

	cfg := createDefaultConfig().(*Config)
	cfg.PollInterval = 0
	cfg.ForceFlushPeriod = -time.Second
	cfg.MaxEntrySize = 0
	cfg.FingerprintSize = 8
	cfg.MaxConcurrentFiles = 1
	err := cfg.Validate()
	for _, want := range []error{errPositive, errFingerprint, errConcurrent} {
		assert.ErrorIs(t, err, want)
	}
	for _, key := range []string{"poll_interval", "force_flush_period", "max_entry_size", "fingerprint_size", "max_concurrent_files"} {
		assert.Contains(t, err.Error(), key)
	}
}
