package systemdreceiver

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"

	"github.com/yairfalse/tapio/receiver/systemdreceiver/internal/unitmatch"
)

// Config of the tapio_systemd receiver.
type Config struct {
	// BusAddress is the D-Bus system bus, as a D-Bus address. A DaemonSet
	// mounts the host's /run/dbus. Default
	// unix:path=/run/dbus/system_bus_socket.
	BusAddress string `mapstructure:"bus_address"`

	// Units are the watched units: names ("kubelet" means
	// kubelet.service) or shell globs ("cri-containerd-*.scope"). Their
	// state changes and journal entries are collected. Default kubelet,
	// containerd, crio and docker.
	Units []string `mapstructure:"units"`

	// IncludeFailed also reports every other unit the moment it enters
	// the failed state. Default true.
	IncludeFailed bool `mapstructure:"include_failed"`

	// Journal configures reading the watched units' journal entries.
	Journal JournalConfig `mapstructure:"journal"`

	// StorageID names a storage extension (file_storage) that keeps the
	// journal cursor, so a restarted collector resumes where it stopped
	// instead of skipping what was written meanwhile. Unset: no resume.
	StorageID *component.ID `mapstructure:"storage"`

	// Reconnect paces retries after the bus goes away or journalctl
	// stops: the wait doubles from initial_interval up to max_interval.
	Reconnect BackoffConfig `mapstructure:"reconnect"`

	// NodeName is written on every record's resource. Empty: the
	// NODE_NAME environment variable, then the host name.
	NodeName string `mapstructure:"node_name"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// JournalConfig says which journal to read and how much of it.
type JournalConfig struct {
	// Enabled turns journal reading on. Default true.
	Enabled bool `mapstructure:"enabled"`
	// Directory reads the journal files under it (journalctl --directory),
	// e.g. the host's /var/log/journal mounted into the pod. Root reads
	// those under a whole root file system (journalctl --root). At most
	// one may be set; neither reads the local journal.
	Directory string `mapstructure:"directory"`
	Root      string `mapstructure:"root"`
	// Priority keeps entries of this priority and more severe: a name
	// (emerg, alert, crit, err, warning, notice, info, debug) or 0..7.
	// Default info.
	Priority string `mapstructure:"priority"`
	// StartAt is where to begin when there is no saved cursor: end (only
	// new entries) or beginning (the whole journal). Default end.
	StartAt string `mapstructure:"start_at"`
	// JournalctlPath is the journalctl binary. Default journalctl (from
	// PATH).
	JournalctlPath string `mapstructure:"journalctl_path"`
	// MaxBatchSize caps the entries handed downstream at once; a batch
	// otherwise ends when journalctl has nothing more waiting. Default 256.
	MaxBatchSize int `mapstructure:"max_batch_size"`
}

// BackoffConfig is an exponential backoff.
type BackoffConfig struct {
	InitialInterval time.Duration `mapstructure:"initial_interval"`
	MaxInterval     time.Duration `mapstructure:"max_interval"`
}

// priorities are syslog's levels by journalctl's names.
var priorities = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

var (
	errBusAddress = errors.New("bus_address must be a D-Bus address such as unix:path=/run/dbus/system_bus_socket")
	errNothing    = errors.New("units is empty and include_failed is false: nothing to watch")
	errPriority   = errors.New("journal.priority must be one of emerg, alert, crit, err, warning, notice, info, debug or 0..7")
	errStartAt    = errors.New("journal.start_at must be end or beginning")
	errDirAndRoot = errors.New("journal.directory and journal.root are exclusive")
	errBatchSize  = errors.New("journal.max_batch_size must be at least 1")
	errBackoff    = errors.New("reconnect intervals must be positive, max_interval at least initial_interval")
)

// Validate checks the configuration. Every error names the key.
func (c *Config) Validate() error {
	var errs []error
	if transport, _, ok := strings.Cut(c.BusAddress, ":"); !ok || transport == "" {
		errs = append(errs, errBusAddress)
	}
	if len(c.Units) == 0 && !c.IncludeFailed {
		errs = append(errs, errNothing)
	}
	if _, err := unitmatch.New(c.Units); err != nil {
		errs = append(errs, fmt.Errorf("units: %w", err))
	}
	if c.Journal.Enabled {
		if _, err := c.Journal.maxPriority(); err != nil {
			errs = append(errs, err)
		}
		if c.Journal.StartAt != "end" && c.Journal.StartAt != "beginning" {
			errs = append(errs, errStartAt)
		}
		if c.Journal.Directory != "" && c.Journal.Root != "" {
			errs = append(errs, errDirAndRoot)
		}
		if c.Journal.MaxBatchSize < 1 {
			errs = append(errs, errBatchSize)
		}
	}
	if b := c.Reconnect; b.InitialInterval <= 0 || b.MaxInterval < b.InitialInterval {
		errs = append(errs, fmt.Errorf("%w, got %s and %s", errBackoff, b.InitialInterval, b.MaxInterval))
	}
	return errors.Join(errs...)
}

// maxPriority is the priority as journalctl's number.
func (j *JournalConfig) maxPriority() (int, error) {
	if i := slices.Index(priorities, j.Priority); i >= 0 {
		return i, nil
	}
	if n, err := strconv.Atoi(j.Priority); err == nil && n >= 0 && n < len(priorities) {
		return n, nil
	}
	return 0, fmt.Errorf("%w, got %q", errPriority, j.Priority)
}
