package trimextension

import "errors"

// Config chooses what is given back once the collector is ready.
type Config struct {
	// Executable pages out the executable's read-only mappings (code,
	// read-only data, the function tables): what start-up alone touched
	// stays on disk, what the steady state uses is read back a page at a
	// time on first use. Needs Linux 5.4 (MADV_PAGEOUT). Default true.
	Executable bool `mapstructure:"executable"`

	// Heap runs a garbage collection and returns the heap's free pages to
	// the operating system, instead of leaving the start-up garbage's pages
	// to the runtime's background scavenger. Default true.
	Heap bool `mapstructure:"heap"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Validate rejects a configuration that would give nothing back: leave the
// extension out of service.extensions instead.
func (c *Config) Validate() error {
	if !c.Executable && !c.Heap {
		return errors.New("executable and heap are both false, so tapio_trim would do nothing; remove it from service.extensions instead")
	}
	return nil
}
