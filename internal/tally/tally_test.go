package tally

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

type outcome struct{ status, reason string }

func TestCountsRunsAndRepeatsInFirstSeenOrder(t *testing.T) {
	a, b, c := outcome{"resolved", ""}, outcome{"miss", "no_pod"}, outcome{"late", ""}
	var n Counts[outcome]
	for _, o := range []outcome{a, a, b, a, c, b, a} {
		n.Add(o)
	}
	assert.Equal(t, []Count[outcome]{{a, 4}, {b, 2}, {c, 1}}, n.All())
}

func TestCountsReuseStartsEmptyWithoutAllocating(t *testing.T) {
	var buf [4]Count[string]
	var n Counts[string]
	n.Add("stale")
	allocs := testing.AllocsPerRun(10, func() {
		n.Reuse(buf[:])
		n.Add("x")
		n.Add("y")
		n.Add("x")
	})
	assert.Zero(t, allocs)
	assert.Equal(t, []Count[string]{{"x", 2}, {"y", 1}}, n.All())
	assert.Empty(t, new(Counts[string]).All())
}
