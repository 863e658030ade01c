package ebpf

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/yairfalse/tapio/internal/cgroupv2"
	"github.com/yairfalse/tapio/internal/ebpf/wire"
)

func TestConfigValidate(t *testing.T) {
	require.NoError(t, DefaultConfig().Validate())

	tests := []struct {
		name   string
		modify func(*Config)
		want   error
	}{
		{"unknown type", func(c *Config) { c.Types = []wire.Type{wire.TypeExec, 99} }, ErrUnknownType},
		{"type zero", func(c *Config) { c.Types = []wire.Type{0} }, ErrUnknownType},
		{"ring not power of two", func(c *Config) { c.RingSize = 3 * 4096 }, ErrRingSize},
		{"ring below a page", func(c *Config) { c.RingSize = 2048 }, ErrRingSize},
		{"ring too large", func(c *Config) { c.RingSize = 2 << 30 }, ErrRingSize},
		{"argv negative", func(c *Config) { c.ArgvBytes = -1 }, ErrArgvBytes},
		{"argv too large", func(c *Config) { c.ArgvBytes = 513 }, ErrArgvBytes},
		{"rate negative", func(c *Config) { c.RatePerSec = -1 }, ErrRate},
		{"rate too high", func(c *Config) { c.RatePerSec = MaxRate + 1 }, ErrRate},
		{"burst zero with rate", func(c *Config) { c.Burst = 0 }, ErrBurst},
		{"burst too large", func(c *Config) { c.Burst = MaxBurst + 1 }, ErrBurst},
		{"wakeup negative", func(c *Config) { c.WakeupBytes = -1 }, ErrWakeup},
		{"wakeup over half the ring", func(c *Config) { c.WakeupBytes = c.RingSize/2 + 1 }, ErrWakeup},
		{"no flush interval", func(c *Config) { c.FlushInterval = 0 }, ErrFlush},
		{"relative cgroup path", func(c *Config) { c.CgroupPath = "sys/fs/cgroup" }, ErrCgroupPath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.modify(&cfg)
			assert.ErrorIs(t, cfg.Validate(), tt.want)
		})
	}

	unlimited := DefaultConfig()
	unlimited.RatePerSec, unlimited.Burst = 0, 0
	assert.NoError(t, unlimited.Validate(), "no burst is needed without a rate")
}

func TestEnabledMask(t *testing.T) {
	assert.Equal(t, uint32(0xfe), Config{}.enabledMask(), "empty means every type")
	c := Config{Types: []wire.Type{wire.TypeExec, wire.TypeDNS}}
	assert.Equal(t, uint32(1<<1|1<<7), c.enabledMask())
	assert.True(t, c.enabled(wire.TypeDNS))
	assert.False(t, c.enabled(wire.TypeExit))
}

func TestResolveCgroupPath(t *testing.T) {
	assert.Equal(t, "/x", resolveCgroupPath("/x"))
	got := resolveCgroupPath("")
	if got != "" {
		assert.True(t, cgroupv2.IsMount(got), got)
	}
	assert.False(t, cgroupv2.IsMount(t.TempDir()))
}

func TestBootTimeOffset(t *testing.T) {
	b := NewBootTimeOffset()
	now := time.Now()
	boot := uint64(clockNs(unix.CLOCK_BOOTTIME))
	got := b.ToWallClock(boot)
	assert.WithinDuration(t, now, got, 50*time.Millisecond)

	// A stamp past the resample interval still converts consistently.
	later := b.ToWallClock(boot + uint64(2*resampleEvery))
	assert.WithinDuration(t, got.Add(2*resampleEvery), later, 50*time.Millisecond)
}
