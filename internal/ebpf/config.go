package ebpf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/yairfalse/tapio/internal/ebpf/wire"
)

// Limits that Validate enforces.
const (
	// MinRingSize is one page: the kernel's smallest ring buffer.
	MinRingSize = 4096
	// MaxRingSize bounds the locked memory one probe can take.
	MaxRingSize = 1 << 30
	// MaxArgvBytes is the argv capacity of an exec sample.
	MaxArgvBytes = wire.ArgvMax
	// MaxRate and MaxBurst keep the kernel's token arithmetic in 64 bits.
	MaxRate  = 1_000_000
	MaxBurst = 1_000_000
)

// ReserveRingSize is the size of the ring OOM kills fall back on when the
// main ring is full: 16 KiB, room for about 140 of them, or one page where
// pages are larger (the kernel's smallest ring).
func ReserveRingSize() int { return max(16<<10, os.Getpagesize()) }

// Sentinel errors of Validate, each wrapped with the offending value.
var (
	ErrUnknownType = errors.New("unknown event type")
	ErrRingSize    = errors.New("ring size must be a power of two between 4096 and 1 GiB")
	ErrArgvBytes   = errors.New("argv bytes must be between 0 and 512")
	ErrRate        = errors.New("rate must be between 0 (unlimited) and 1000000 events/s")
	ErrBurst       = errors.New("burst must be between 1 and 1000000 events when a rate is set")
	ErrCgroupPath  = errors.New("cgroup path must be absolute")
	ErrWakeup      = errors.New("wakeup bytes must be between 0 and half the ring size")
	ErrFlush       = errors.New("flush interval must be between 1ms and 10s when wakeup bytes are set")
)

// Config selects and tunes the kernel hooks.
type Config struct {
	// Types are the event types to collect; empty means all.
	Types []wire.Type
	// RingSize is the ring buffer size in bytes, a power of two and a
	// multiple of the page size.
	RingSize int
	// ArgvBytes is how many bytes of the argument area an exec event
	// carries (0 to 512).
	ArgvBytes int
	// ContainersOnly skips host processes (initial pid namespace) and, for
	// TCP and DNS, sockets in the host network namespace (this process's
	// own, so the collector must run with the host network).
	ContainersOnly bool
	// RatePerSec and Burst shape a token bucket per cgroup for the noisy
	// types (TCP and DNS); RatePerSec 0 means unlimited. Process and OOM
	// events are never limited.
	RatePerSec int
	Burst      int
	// WakeupBytes wakes the reader only once this much data waits in the
	// ring; 0 wakes it for every sample. A wakeup costs the kernel a
	// self-IPI per sample (several µs in a VM), so batching is the default;
	// samples below the threshold are read within FlushInterval.
	WakeupBytes int
	// FlushInterval bounds how long a sample can wait for the reader when
	// WakeupBytes is set.
	FlushInterval time.Duration
	// CgroupPath is the cgroup v2 mount the DNS hooks attach to; empty
	// means /sys/fs/cgroup/unified, else /sys/fs/cgroup, whichever is v2.
	CgroupPath string

	// reserveRingSize replaces ReserveRingSize(), for the tests that fill
	// the reserve ring too; 0 keeps it.
	reserveRingSize int
}

// DefaultConfig collects every type with a 4 MiB ring, waking the reader
// per 64 KiB or every 100 ms.
func DefaultConfig() Config {
	return Config{
		RingSize:      4 << 20,
		ArgvBytes:     256,
		RatePerSec:    5000,
		Burst:         10000,
		WakeupBytes:   64 << 10,
		FlushInterval: 100 * time.Millisecond,
	}
}

// Validate checks every field against the limits above.
func (c Config) Validate() error {
	var errs []error
	for _, t := range c.Types {
		if wire.Kind(t) == "" {
			errs = append(errs, fmt.Errorf("%w: %d", ErrUnknownType, uint32(t)))
		}
	}
	pg := os.Getpagesize()
	if c.RingSize < MinRingSize || c.RingSize > MaxRingSize ||
		c.RingSize&(c.RingSize-1) != 0 || c.RingSize%pg != 0 {
		errs = append(errs, fmt.Errorf("%w (page size %d): %d", ErrRingSize, pg, c.RingSize))
	}
	if c.ArgvBytes < 0 || c.ArgvBytes > MaxArgvBytes {
		errs = append(errs, fmt.Errorf("%w: %d", ErrArgvBytes, c.ArgvBytes))
	}
	if c.RatePerSec < 0 || c.RatePerSec > MaxRate {
		errs = append(errs, fmt.Errorf("%w: %d", ErrRate, c.RatePerSec))
	}
	if c.RatePerSec > 0 && (c.Burst < 1 || c.Burst > MaxBurst) {
		errs = append(errs, fmt.Errorf("%w: %d", ErrBurst, c.Burst))
	}
	if c.WakeupBytes < 0 || c.WakeupBytes > c.RingSize/2 {
		errs = append(errs, fmt.Errorf("%w: %d", ErrWakeup, c.WakeupBytes))
	}
	if c.WakeupBytes > 0 && (c.FlushInterval < time.Millisecond || c.FlushInterval > 10*time.Second) {
		errs = append(errs, fmt.Errorf("%w: %s", ErrFlush, c.FlushInterval))
	}
	if c.CgroupPath != "" && !filepath.IsAbs(c.CgroupPath) {
		errs = append(errs, fmt.Errorf("%w: %q", ErrCgroupPath, c.CgroupPath))
	}
	return errors.Join(errs...)
}

// enabledMask is the kernel's bit-per-type mask.
func (c Config) enabledMask() uint32 {
	if len(c.Types) == 0 {
		var all uint32
		for t := wire.Type(1); t < wire.TypeMax; t++ {
			all |= 1 << t
		}
		return all
	}
	var m uint32
	for _, t := range c.Types {
		m |= 1 << t
	}
	return m
}

func (c Config) enabled(t wire.Type) bool { return c.enabledMask()&(1<<t) != 0 }
