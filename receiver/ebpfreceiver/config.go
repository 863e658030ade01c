package ebpfreceiver

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/yairfalse/tapio/internal/ebpf"
	"github.com/yairfalse/tapio/internal/ebpf/wire"
)

// allKinds is every kind the BPF program produces, as in tapio.raw.kind,
// in type order: the names `events:` accepts, and its default.
var allKinds = func() []string {
	var kinds []string
	for t := wire.Type(1); t < wire.TypeMax; t++ {
		kinds = append(kinds, wire.Kind(t))
	}
	return kinds
}()

// Config of the tapio_ebpf receiver.
type Config struct {
	// Events lists the kinds to collect; the kernel drops the others before
	// they reach the ring buffer. Default: all of them.
	Events []string `mapstructure:"events"`

	// RingBufferSize is the ring buffer's size in bytes: a power of two and
	// a multiple of the 4096-byte page. Larger rides out longer pipeline
	// stalls before the kernel starts counting losses. Default 4 MiB.
	RingBufferSize int `mapstructure:"ring_buffer_size"`

	// WakeupBytes lets the kernel wake the reader only once this much data
	// waits in the ring buffer, instead of for every event: waking costs
	// the kernel several microseconds per event. Events below the threshold
	// are picked up within ReadInterval. 0 wakes for every event. Default
	// 64 KiB; at most half the ring.
	WakeupBytes int `mapstructure:"wakeup_bytes"`

	// ReadInterval bounds how long an event can sit in the ring buffer
	// below WakeupBytes before it is read. Default 4ms.
	ReadInterval time.Duration `mapstructure:"read_interval"`

	// ArgvBytes is how many bytes of each exec'd command line to capture,
	// 0 to 512. Default 256.
	ArgvBytes int `mapstructure:"argv_bytes"`

	// ContainersOnly drops events of processes in the host's pid namespace
	// (and DNS of host-namespace sockets) in the kernel, for nodes where
	// only workloads matter.
	ContainersOnly bool `mapstructure:"containers_only"`

	// RateLimit sheds the noisy kinds (tcp.*, dns) per cgroup, in the
	// kernel, so that one chatty pod cannot crowd lifecycle and OOM events
	// out of the ring buffer. Process and OOM events are never shed.
	RateLimit RateLimitConfig `mapstructure:"rate_limit"`

	// CgroupV2Path is where the cgroup v2 hierarchy is mounted; DNS capture
	// attaches to its root. Empty: /sys/fs/cgroup/unified on hybrid hosts,
	// else /sys/fs/cgroup.
	CgroupV2Path string `mapstructure:"cgroup_v2_path"`

	// NodeName is written on every record's resource. Empty: the NODE_NAME
	// environment variable, then the host name.
	NodeName string `mapstructure:"node_name"`

	// LossReportInterval is how often the kernel's loss counters are read
	// and, when they moved, reported downstream as a loss record. Default 5s.
	LossReportInterval time.Duration `mapstructure:"loss_report_interval"`

	// MaxBatchSize caps the records handed downstream at once. Default 512.
	MaxBatchSize int `mapstructure:"max_batch_size"`

	// MaxBatchDelay is how long a batch waits for more records after its
	// first; batches are handed on at least ReadInterval plus this apart,
	// so a busy pipeline gets few large batches rather than many small
	// ones. The worst wait from the kernel to the next consumer is
	// ReadInterval plus this. Default 2ms.
	MaxBatchDelay time.Duration `mapstructure:"max_batch_delay"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// RateLimitConfig is a token bucket per cgroup.
type RateLimitConfig struct {
	// EventsPerSecond refills each cgroup's bucket; 0 disables the limit.
	EventsPerSecond int `mapstructure:"events_per_second"`
	// Burst is the bucket size: events a cgroup may send at once.
	Burst int `mapstructure:"burst"`
}

var (
	errUnknownEvent = errors.New("unknown event kind")
	errNoEvents     = errors.New("events is empty: nothing to collect")
	errInterval     = errors.New("must be positive")
	errBatchSize    = errors.New("max_batch_size must be at least 1")
)

// probeKeys names the setting behind each of the loader's validation
// errors, so a bad value is reported under the key the user wrote.
var probeKeys = []struct {
	err error
	key string
}{
	{ebpf.ErrRingSize, "ring_buffer_size"},
	{ebpf.ErrArgvBytes, "argv_bytes"},
	{ebpf.ErrRate, "rate_limit.events_per_second"},
	{ebpf.ErrBurst, "rate_limit.burst"},
	{ebpf.ErrCgroupPath, "cgroup_v2_path"},
	{ebpf.ErrWakeup, "wakeup_bytes"},
	{ebpf.ErrFlush, "read_interval"},
}

// Validate checks the configuration. Every error names the key.
func (c *Config) Validate() error {
	var errs []error
	if len(c.Events) == 0 {
		errs = append(errs, errNoEvents)
	}
	for _, e := range c.Events {
		if !slices.Contains(allKinds, e) {
			errs = append(errs, fmt.Errorf("events: %q: %w (known: %v)", e, errUnknownEvent, allKinds))
		}
	}
	errs = append(errs, keyed(c.probeConfig().Validate())...)
	if c.LossReportInterval <= 0 {
		errs = append(errs, fmt.Errorf("loss_report_interval %w, got %s", errInterval, c.LossReportInterval))
	}
	if c.MaxBatchDelay <= 0 {
		errs = append(errs, fmt.Errorf("max_batch_delay %w, got %s", errInterval, c.MaxBatchDelay))
	}
	if c.MaxBatchSize < 1 {
		errs = append(errs, errBatchSize)
	}
	return errors.Join(errs...)
}

// keyed splits the loader's joined error and prefixes each part with the
// receiver setting it is about.
func keyed(err error) []error {
	if err == nil {
		return nil
	}
	parts := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		parts = joined.Unwrap()
	}
	out := make([]error, 0, len(parts))
	for _, part := range parts {
		for _, pk := range probeKeys {
			if errors.Is(part, pk.err) {
				part = fmt.Errorf("%s: %w", pk.key, part)
				break
			}
		}
		out = append(out, part)
	}
	return out
}

// probeConfig is the kernel side's view of the settings. Unknown kinds
// are left out here; Validate reports them.
func (c *Config) probeConfig() ebpf.Config {
	types := make([]wire.Type, 0, len(c.Events))
	for t := wire.Type(1); t < wire.TypeMax; t++ {
		if slices.Contains(c.Events, wire.Kind(t)) {
			types = append(types, t)
		}
	}
	return ebpf.Config{
		Types:          types,
		RingSize:       c.RingBufferSize,
		ArgvBytes:      c.ArgvBytes,
		ContainersOnly: c.ContainersOnly,
		RatePerSec:     c.RateLimit.EventsPerSecond,
		Burst:          c.RateLimit.Burst,
		CgroupPath:     c.CgroupV2Path,
		WakeupBytes:    c.WakeupBytes,
		FlushInterval:  c.ReadInterval,
	}
}
