package ebpfreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/yairfalse/tapio/internal/ebpf"
	"github.com/yairfalse/tapio/receiver/ebpfreceiver/internal/metadata"
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
	assert.Equal(t, &Config{
		Events:             []string{"process.exec", "process.exit", "oom.kill", "dns"},
		RingBufferSize:     1 << 20,
		WakeupBytes:        8192,
		ReadInterval:       10 * time.Millisecond,
		ArgvBytes:          512,
		ContainersOnly:     true,
		RateLimit:          RateLimitConfig{EventsPerSecond: 200, Burst: 400},
		CgroupV2Path:       "/sys/fs/cgroup",
		NodeName:           "node-a",
		LossReportInterval: time.Second,
		MaxBatchSize:       64,
		MaxBatchDelay:      2 * time.Millisecond,
	}, all)
}

func TestInvalidConfigsNameTheProblem(t *testing.T) {
	cases := map[string]struct {
		err  error
		text string
	}{
		"unknown_event":         {errUnknownEvent, `"process.fork"`},
		"ring_not_power_of_two": {ebpf.ErrRingSize, "ring_buffer_size: "},
		"argv_too_long":         {ebpf.ErrArgvBytes, "argv_bytes: "},
		"burst_missing":         {ebpf.ErrBurst, "rate_limit.burst: "},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := loadConfig(t, name).Validate()
			require.ErrorIs(t, err, tc.err)
			assert.Contains(t, err.Error(), tc.text)
		})
	}

	cfg := createDefaultConfig().(*Config)
	cfg.Events = nil
	cfg.LossReportInterval = 0
	cfg.MaxBatchSize = 0
	err := cfg.Validate()
	assert.ErrorIs(t, err, errNoEvents)
	assert.ErrorIs(t, err, errInterval)
	assert.ErrorIs(t, err, errBatchSize)
	assert.Contains(t, err.Error(), "loss_report_interval")
}
