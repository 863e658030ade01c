package unifiedeventprocessor

import "github.com/yairfalse/tapio/internal/decode"

// defaultRegistry is where every source's decoder joins the processor: each
// receiver that lands adds its Register calls here.
func defaultRegistry() (*decode.Registry, error) {
	return decode.NewRegistry(), nil
}
