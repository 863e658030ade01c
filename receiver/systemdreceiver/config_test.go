package systemdreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/yairfalse/tapio/receiver/systemdreceiver/internal/metadata"
	"github.com/yairfalse/tapio/receiver/systemdreceiver/internal/unitmatch"
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
	storage := component.MustNewIDWithName("file_storage", "systemd")
	assert.Equal(t, &Config{
		BusAddress:    "unix:path=/host/run/dbus/system_bus_socket",
		Units:         []string{"kubelet", "containerd.service", "cri-containerd-*.scope"},
		IncludeFailed: false,
		Journal: JournalConfig{
			Enabled:        true,
			Directory:      "/host/var/log/journal",
			Priority:       "warning",
			StartAt:        "beginning",
			JournalctlPath: "/usr/bin/journalctl",
			MaxBatchSize:   64,
		},
		StorageID: &storage,
		Reconnect: BackoffConfig{InitialInterval: 500 * time.Millisecond, MaxInterval: 10 * time.Second},
		NodeName:  "node-a",
	}, all)
	prio, err := all.Journal.maxPriority()
	require.NoError(t, err)
	assert.Equal(t, 4, prio)
}

func TestInvalidConfigsNameTheProblem(t *testing.T) {
	cases := map[string]struct {
		err  error
		text string
	}{
		"bad_pattern":      {unitmatch.ErrBadPattern, "units: "},
		"bad_priority":     {errPriority, `"loud"`},
		"dir_and_root":     {errDirAndRoot, "journal.directory"},
		"nothing_to_watch": {errNothing, "units is empty"},
		"bad_backoff":      {errBackoff, "10s and 1s"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := loadConfig(t, name).Validate()
			require.ErrorIs(t, err, tc.err)
			assert.Contains(t, err.Error(), tc.text)
		})
	}

	cfg := createDefaultConfig().(*Config)
	cfg.BusAddress = "/run/dbus/system_bus_socket"
	cfg.Journal.StartAt = "middle"
	cfg.Journal.MaxBatchSize = 0
	err := cfg.Validate()
	assert.ErrorIs(t, err, errBusAddress)
	assert.ErrorIs(t, err, errStartAt)
	assert.ErrorIs(t, err, errBatchSize)

	// Journal settings do not matter when the journal is off.
	cfg = createDefaultConfig().(*Config)
	cfg.Journal = JournalConfig{Enabled: false}
	assert.NoError(t, cfg.Validate())
}

func TestPriorityAcceptsNumbers(t *testing.T) {
	j := JournalConfig{Priority: "3"}
	prio, err := j.maxPriority()
	require.NoError(t, err)
	assert.Equal(t, 3, prio)
	j.Priority = "8"
	_, err = j.maxPriority()
	assert.ErrorIs(t, err, errPriority)
}
