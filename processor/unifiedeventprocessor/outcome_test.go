package unifiedeventprocessor

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Kinds come from the records, so the cache of their metric attributes
// stops growing at its bound; outcomes past it still get their attributes.
func TestOutcomeOptionsCacheIsBounded(t *testing.T) {
	var opts outcomeOptions
	for i := range 2 * maxOutcomeOptions {
		o := outcome{kind: outcomeDecoded, source: "ebpf", rawKind: "kind-" + strconv.Itoa(i)}
		require.NotNil(t, opts.get(o))
		require.NotNil(t, opts.get(o), "again, from the cache or built anew")
	}
	n := 0
	opts.m.Range(func(any, any) bool { n++; return true })
	assert.Equal(t, maxOutcomeOptions, n)
}
