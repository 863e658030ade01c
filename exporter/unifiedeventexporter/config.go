package unifiedeventexporter

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// Sentinel errors of Validate, so tests and callers can tell them apart.
var (
	errNoSink          = errors.New("one of file or http must be set")
	errTwoSinks        = errors.New("file and http are exclusive: run two exporters to write both")
	errNoPath          = errors.New("file.path must be set")
	errNegativeLimit   = errors.New("file.rotation limits must not be negative")
	errNoEndpoint      = errors.New("http.endpoint must be set")
	errUnknownEncoding = errors.New("unknown http.encoding")
)

// Encodings of an HTTP batch.
const (
	// EncodingJSONLines sends one event per line (application/x-ndjson),
	// the same bytes the file sink writes.
	EncodingJSONLines = "json_lines"
	// EncodingJSONArray sends the batch as one JSON array
	// (application/json), for endpoints that parse a single document.
	EncodingJSONArray = "json_array"
)

// Config of the tapio_unified_event exporter. Exactly one sink is set.
type Config struct {
	// File writes JSON lines to a local file, rotated by size and age.
	File configoptional.Optional[FileConfig] `mapstructure:"file"`
	// HTTP POSTs batches of events to an endpoint.
	HTTP configoptional.Optional[HTTPConfig] `mapstructure:"http"`

	// QueueConfig is the exporter helper's sending queue: its size, its
	// batching, and with `storage` a persistent queue that survives a
	// restart.
	QueueConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	// RetryConfig retries failed batches with exponential backoff.
	RetryConfig configretry.BackOffConfig `mapstructure:"retry_on_failure"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// FileConfig is the file sink.
type FileConfig struct {
	// Path of the file events are appended to; rotated backups sit next to
	// it with a timestamp in their name.
	Path string `mapstructure:"path"`
	// Rotation limits the file's size and the backups kept.
	Rotation RotationConfig `mapstructure:"rotation"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// RotationConfig follows the contrib file exporter's rotation settings, so
// operators find the same knobs.
type RotationConfig struct {
	// MaxMegabytes rotates the file before it grows past this size.
	MaxMegabytes int `mapstructure:"max_megabytes"`
	// MaxDays removes backups older than this many days; 0 keeps them
	// regardless of age.
	MaxDays int `mapstructure:"max_days"`
	// MaxBackups is how many rotated files are kept; 0 keeps all of them
	// (subject to MaxDays).
	MaxBackups int `mapstructure:"max_backups"`
	// Interval also rotates the file when it is this old, so a quiet node
	// still hands consumers closed files; 0 rotates by size only.
	Interval time.Duration `mapstructure:"interval"`
	// LocalTime names backups in local time instead of UTC.
	LocalTime bool `mapstructure:"localtime"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// HTTPConfig is the HTTP sink. The confighttp client settings give the
// endpoint, headers, timeout, TLS and compression (gzip …).
type HTTPConfig struct {
	ClientConfig confighttp.ClientConfig `mapstructure:",squash"`
	// Encoding of a batch: json_lines (default) or json_array.
	Encoding string `mapstructure:"encoding"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Validate checks that exactly one sink is configured and that it can work.
func (cfg *Config) Validate() error {
	switch {
	case !cfg.File.HasValue() && !cfg.HTTP.HasValue():
		return errNoSink
	case cfg.File.HasValue() && cfg.HTTP.HasValue():
		return errTwoSinks
	}
	return nil
}

// Validate checks the file sink.
func (f *FileConfig) Validate() error {
	if f.Path == "" {
		return errNoPath
	}
	r := f.Rotation
	if r.MaxMegabytes < 0 || r.MaxDays < 0 || r.MaxBackups < 0 || r.Interval < 0 {
		return errNegativeLimit
	}
	return nil
}

// Validate checks the HTTP sink; the client settings validate themselves.
func (h *HTTPConfig) Validate() error {
	if h.ClientConfig.Endpoint == "" {
		return errNoEndpoint
	}
	switch h.Encoding {
	case EncodingJSONLines, EncodingJSONArray:
		return nil
	default:
		return fmt.Errorf("%w %q: want %s or %s", errUnknownEncoding, h.Encoding, EncodingJSONLines, EncodingJSONArray)
	}
}
