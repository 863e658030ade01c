package unifiedeventprocessor

// Config of the tapio_unified processor.
type Config struct {
	// KeepRaw keeps each record's payload, exactly as the receiver read it,
	// in the UnifiedEvent body under "raw". Off by default: the payload is
	// usually as large as the event and only needed to debug a decoder.
	KeepRaw bool `mapstructure:"keep_raw"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Validate checks the configuration. Every setting is a boolean today, so
// there is nothing that can be wrong; the method exists so that new
// settings get validated through the collector's usual path.
func (*Config) Validate() error { return nil }
