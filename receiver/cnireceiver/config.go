package cnireceiver

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer/matcher"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator/helper"
	"go.opentelemetry.io/collector/component"
)

// defaultInclude is where the common plugins write when left to their
// defaults (or their installers' usual settings):
//   - /var/log/cni/*.log: the conventional folder for plugins logging to a file;
//   - Calico: log_file_path in its CNI config, default /var/log/calico/cni/cni.log;
//   - AWS VPC CNI: AWS_VPC_K8S_PLUGIN_LOG_FILE, default /var/log/aws-routed-eni/plugin.log;
//   - Cilium: "log-file" in its CNI config, which its Helm chart sets to
//     /var/run/cilium/cilium-cni.log (cni.logFile); /var/log/cilium-cni.log
//     is the other common choice;
//   - Multus: logs to a file only when its config sets "logFile"; its
//     documented example and most manifests use /var/log/multus.log.
var defaultInclude = []string{
	"/var/log/cni/*.log",
	"/var/log/calico/cni/cni.log",
	"/var/log/aws-routed-eni/plugin.log",
	"/var/log/cilium-cni.log",
	"/var/run/cilium/cilium-cni.log",
	"/var/log/multus.log",
}

// Where reading starts in a file seen for the first time.
const (
	startAtEnd       = "end"
	startAtBeginning = "beginning"
)

// Config of the tapio_cni receiver.
type Config struct {
	// Include lists the files to tail, as paths or globs (** allowed). A
	// file that does not exist yet is waited for, not an error.
	Include []string `mapstructure:"include"`

	// Exclude lists globs of paths to skip even when Include matches them,
	// such as compressed rotations.
	Exclude []string `mapstructure:"exclude"`

	// StartAt is where reading starts in files found at start-up: "end"
	// (default: a fresh agent reports what happens from now on) or
	// "beginning". Files that appear later are always read from their
	// beginning, and once a storage checkpoint exists reading resumes from
	// it whatever this says.
	StartAt string `mapstructure:"start_at"`

	// PollInterval is how often the globs are matched and files read.
	// Default 200ms.
	PollInterval time.Duration `mapstructure:"poll_interval"`

	// MaxEntrySize caps one entry's bytes. A longer entry is emitted cut to
	// this size (the rest is skipped, not emitted as a separate record) and
	// counted in otelcol.tapio_cni.entries.truncated. Default 1 MiB.
	MaxEntrySize helper.ByteSize `mapstructure:"max_entry_size"`

	// Multiline decides where one entry ends and the next begins.
	Multiline MultilineConfig `mapstructure:"multiline"`

	// ForceFlushPeriod is how long a line still being written (no newline
	// yet) at the end of a file is waited for before it is emitted as it
	// stands. Complete entries are not held (see split.go). Default 500ms.
	ForceFlushPeriod time.Duration `mapstructure:"force_flush_period"`

	// FingerprintSize is how many leading bytes identify a file across
	// renames and restarts. Default 1 KiB.
	FingerprintSize helper.ByteSize `mapstructure:"fingerprint_size"`

	// OnTruncate is what to do when a known file shrank (copy-truncate
	// rotation): "read_whole_file" (default: read what was written since
	// the truncation), "read_new" (skip what is there now) or "ignore"
	// (wait until the file grows past the old offset).
	OnTruncate string `mapstructure:"on_truncate"`

	// MaxConcurrentFiles caps the files held open at once. Default 64.
	MaxConcurrentFiles int `mapstructure:"max_concurrent_files"`

	// StorageID names a storage extension (file_storage) that keeps read
	// offsets across restarts. Without one a restart starts over from
	// start_at.
	StorageID *component.ID `mapstructure:"storage"`

	// NodeName is written on every record's resource. Empty: the NODE_NAME
	// environment variable, then the host name.
	NodeName string `mapstructure:"node_name"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// MultilineConfig holds the rule for entry starts.
type MultilineConfig struct {
	// LineStartPattern is a regular expression matched at the start of each
	// line (against its first 256 bytes); a line that matches starts a new
	// entry and one that does not belongs to the entry before it. Empty (default): the prefixes real
	// plugins write (a date, klog's I1129, logfmt's time= or level=, a JSON
	// object, Go's "panic: " and "fatal error: "). "^" makes every line an
	// entry.
	LineStartPattern string `mapstructure:"line_start_pattern"`
}

var (
	errNoInclude    = errors.New("include is empty: nothing to tail")
	errStartAt      = errors.New(`start_at must be "end" or "beginning"`)
	errPositive     = errors.New("must be positive")
	errPattern      = errors.New("multiline.line_start_pattern is not a valid regular expression")
	errFingerprint  = errors.New("fingerprint_size must be at least 16 bytes")
	errOnTruncate   = errors.New(`on_truncate must be "read_whole_file", "read_new" or "ignore"`)
	errConcurrent   = errors.New("max_concurrent_files must be at least 2")
	errBadGlob      = errors.New("invalid include or exclude glob")
	errEntryTooLong = errors.New("max_entry_size must be at most 64 MiB")
)

// maxEntryLimit bounds max_entry_size: the whole entry is buffered in
// memory, once per file being read.
const maxEntryLimit = 64 << 20

// Validate checks the configuration. Every error names the key.
func (c *Config) Validate() error {
	var errs []error
	if len(c.Include) == 0 {
		errs = append(errs, errNoInclude)
	} else if _, err := matcher.New(matcher.Criteria{Include: c.Include, Exclude: c.Exclude}); err != nil {
		errs = append(errs, fmt.Errorf("include/exclude: %w: %w", errBadGlob, err))
	}
	if c.StartAt != startAtEnd && c.StartAt != startAtBeginning {
		errs = append(errs, fmt.Errorf("%w, got %q", errStartAt, c.StartAt))
	}
	if c.PollInterval <= 0 {
		errs = append(errs, fmt.Errorf("poll_interval %w, got %s", errPositive, c.PollInterval))
	}
	if c.ForceFlushPeriod <= 0 {
		errs = append(errs, fmt.Errorf("force_flush_period %w, got %s", errPositive, c.ForceFlushPeriod))
	}
	switch {
	case c.MaxEntrySize <= 0:
		errs = append(errs, fmt.Errorf("max_entry_size %w, got %d", errPositive, c.MaxEntrySize))
	case c.MaxEntrySize > maxEntryLimit:
		errs = append(errs, fmt.Errorf("%w, got %d", errEntryTooLong, c.MaxEntrySize))
	}
	if _, err := compileStart(c.Multiline.LineStartPattern); err != nil {
		errs = append(errs, fmt.Errorf("%w: %w", errPattern, err))
	}
	if c.FingerprintSize < 16 {
		errs = append(errs, fmt.Errorf("%w, got %d", errFingerprint, c.FingerprintSize))
	}
	switch c.OnTruncate {
	case fileconsumer.OnTruncateReadWholeFile, fileconsumer.OnTruncateReadNew, fileconsumer.OnTruncateIgnore:
	default:
		errs = append(errs, fmt.Errorf("%w, got %q", errOnTruncate, c.OnTruncate))
	}
	// The file consumer reads half of them per batch; one would be zero.
	if c.MaxConcurrentFiles < 2 {
		errs = append(errs, fmt.Errorf("%w, got %d", errConcurrent, c.MaxConcurrentFiles))
	}
	return errors.Join(errs...)
}

// compileStart compiles a user's line-start pattern, anchored at the line
// start so that a pattern matching mid-line cannot split an entry there.
func compileStart(pattern string) (*regexp.Regexp, error) {
	if pattern == "" {
		return nil, nil
	}
	return regexp.Compile("^(?:" + pattern + ")")
}

// consumerConfig maps the settings onto the contrib file consumer. Splitting
// is ours (see split.go), so the encoding is nop: bytes pass through exactly
// as read, invalid UTF-8 and binary included, and no whitespace is trimmed.
func (c *Config) consumerConfig() fileconsumer.Config {
	fc := fileconsumer.NewConfig()
	fc.Include = c.Include
	fc.Exclude = c.Exclude
	fc.StartAt = c.StartAt
	fc.PollInterval = c.PollInterval
	fc.FingerprintSize = c.FingerprintSize
	fc.MaxLogSize = c.MaxEntrySize + entryMargin
	fc.MaxLogSizeBehavior = fileconsumer.MaxLogSizeBehaviorTruncate
	fc.Encoding = "nop"
	fc.FlushPeriod = c.ForceFlushPeriod
	fc.OnTruncate = c.OnTruncate
	fc.MaxConcurrentFiles = c.MaxConcurrentFiles
	fc.IncludeFileName = false
	fc.IncludeFilePath = true
	return *fc
}
