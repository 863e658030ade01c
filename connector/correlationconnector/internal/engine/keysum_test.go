package engine

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSumsTellTuplesApart: the groups and pod maps take equal sums for
// equal tuples, so tuples that differ only by order, by where the parts
// split, or by rule must differ.
func TestSumsTellTuplesApart(t *testing.T) {
	s := newSummer()
	require.Equal(t, s.group(1, Key{"ns", "Deployment", "api"}), s.group(1, Key{"ns", "Deployment", "api"}))
	seen := map[sum128]string{}
	for _, c := range []struct {
		rule int
		k    Key
	}{
		{1, Key{"ns", "Deployment", "api"}},
		{2, Key{"ns", "Deployment", "api"}},
		{1, Key{"Deployment", "ns", "api"}},
		{1, Key{"nsD", "eployment", "api"}},
		{1, Key{"ns", "", "Deploymentapi"}},
		{1, Key{"", "ns", "Deploymentapi"}},
		{1, Key{}},
	} {
		sum := s.group(c.rule, c.k)
		name := strconv.Itoa(c.rule) + " " + c.k.Namespace + "|" + c.k.Kind + "|" + c.k.Name
		require.NotContains(t, seen, sum, "%s collides with %s", name, seen[sum])
		seen[sum] = name
	}
	require.NotEqual(t, s.sum(podTag, "ns", "api"), s.sum(workloadTag, "ns", "api"))
	other := newSummer()
	require.NotEqual(t, s.group(1, Key{Name: "x"}), other.group(1, Key{Name: "x"}), "seeds are per engine")
}

// TestDuplicatesAmongManyMembers re-delivers every kept member of an
// incident with more members than its duplicate filter has bits: each
// re-delivery is found, and none of the fresh events is taken for one.
func TestDuplicatesAmongManyMembers(t *testing.T) {
	opts := testOpts
	opts.MaxEventsPerIncident = 1000
	e := newTestEngine(t, opts)
	const n = 600
	for i := range n {
		e.Process(exit("ev-"+strconv.Itoa(i), "p", time.Duration(i)*time.Millisecond))
	}
	_, c := e.Drain()
	require.Zero(t, c.Duplicate, "fresh ids are never duplicates")
	for i := range n {
		e.Process(exit("ev-"+strconv.Itoa(i), "p", time.Second))
	}
	_, c = e.Drain()
	require.Equal(t, n, c.Duplicate)
	inc, _ := e.groups.get(e.sums.group(0, Key{Namespace: "ns", Name: "p"}))
	require.NotNil(t, inc)
	require.Equal(t, n, inc.Count, "a re-delivered member is not counted twice")
	require.Len(t, inc.Members, n)
}
