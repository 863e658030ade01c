package engine

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSumMapKeepsKeysSharingFirstHalf: two sums with one first half are
// different keys; the second must not overwrite or hide the first, and
// each is found, updated and deleted on its own.
func TestSumMapKeepsKeysSharingFirstHalf(t *testing.T) {
	m := newSumMap[string](0)
	a, b, c := sum128{7, 1}, sum128{7, 2}, sum128{8, 1}
	m.set(a, "a")
	m.set(b, "b")
	m.set(c, "c")
	require.Equal(t, 3, m.len())
	for k, want := range map[sum128]string{a: "a", b: "b", c: "c"} {
		v, ok := m.get(k)
		require.True(t, ok)
		require.Equal(t, want, v)
	}
	_, ok := m.get(sum128{7, 3})
	require.False(t, ok, "a third second half under a taken first half is absent")

	m.set(b, "b2")
	v, _ := m.get(b)
	require.Equal(t, "b2", v, "an update of a spilled key stays in place")
	require.Equal(t, 3, m.len())

	m.delete(a)
	_, ok = m.get(a)
	require.False(t, ok)
	v, ok = m.get(b)
	require.True(t, ok, "deleting the first key keeps the spilled one")
	require.Equal(t, "b2", v)
	m.delete(b)
	_, ok = m.get(b)
	require.False(t, ok)
	require.Equal(t, 1, m.len())

	var seen []string
	m.all(func(s string) { seen = append(seen, s) })
	require.Equal(t, []string{"c"}, seen)
}
