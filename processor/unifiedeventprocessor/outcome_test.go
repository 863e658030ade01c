package unifiedeventprocessor

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOutcomeTallyCountsRunsAndRepeats(t *testing.T) {
	a := outcome{kind: outcomeDecoded, source: "ebpf", rawKind: "dns"}
	b := outcome{kind: outcomeDecoded, source: "ebpf", rawKind: "tcp.state"}
	c := outcome{kind: outcomeUndecoded, source: "ebpf", rawKind: "dns", reason: reasonInvalidPayload}
	var tally outcomeTally
	for _, o := range []outcome{a, a, b, a, c, b, a} {
		tally.add(o)
	}
	assert.Equal(t, []outcomeCount{{a, 4}, {b, 2}, {c, 1}}, tally.counts)
}

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
